import { validationFailed } from './errors.js';
import type { Json, JsonObject } from './json.js';

export interface PageParams {
  limit: number;
  before?: string;
  after?: string;
  order: 'asc' | 'desc' | 'normal';
}

/** Reads `limit` (1–100, default 10), `before`, `after`, `order` (asc|desc|normal, default desc) as §3.1. */
export function readPageParams(query: URLSearchParams): PageParams {
  const rawLimit = query.get('limit');
  const limit = rawLimit === null || rawLimit === '' ? 10 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw validationFailed([{ field: 'limit', code: 'limit must be an integer between 1 and 100' }]);
  }
  const order = query.get('order') || 'desc';
  if (order !== 'asc' && order !== 'desc' && order !== 'normal') {
    throw validationFailed([{ field: 'order', code: 'order must be one of asc, desc, normal' }]);
  }
  return { limit, order, before: query.get('before') || undefined, after: query.get('after') || undefined };
}

export interface Page<T> {
  data: T[];
  before: string | null;
  after: string | null;
}

/**
 * Cuts one page from `items` (oldest first, as stored). Cursor rules, as WorkOS documents them:
 * `after=X` starts after X, `before=X` ends right before X, in the requested order;
 * `list_metadata.after` is the last id when more follow, `before` the first id when the page is
 * not at the start. `normal` lists newest first with the cursors swapped (`before` goes older).
 */
export function paginate<T extends { id: string }>(items: T[], params: PageParams): Page<T> {
  const ordered = params.order === 'asc' ? [...items] : [...items].reverse();
  const forward = params.order === 'normal' ? params.before : params.after;
  const backward = params.order === 'normal' ? params.after : params.before;
  let start = 0;
  let end = ordered.length;
  const ascending = params.order === 'asc';
  if (forward !== undefined) start = cursorPosition(ordered, forward, ascending, 1);
  if (backward !== undefined) {
    end = cursorPosition(ordered, backward, ascending, 0);
    start = Math.max(start, end - params.limit);
  }
  const data = ordered.slice(start, Math.min(end, start + params.limit));
  const last = start + data.length;
  const more = data.length > 0 && last < ordered.length;
  const previous = data.length > 0 && start > 0;
  const nextId = more ? data[data.length - 1].id : null;
  const prevId = previous ? data[0].id : null;
  return params.order === 'normal'
    ? { data, before: nextId, after: prevId }
    : { data, before: prevId, after: nextId };
}

/**
 * Index just past (`offset` 1) or at (`offset` 0) the cursor. A cursor that no longer exists
 * (its object was deleted) is placed where its ULID sorts, so paging goes on.
 */
function cursorPosition<T extends { id: string }>(
  ordered: T[],
  id: string,
  ascending: boolean,
  offset: 0 | 1,
): number {
  const index = ordered.findIndex((item) => item.id === id);
  if (index >= 0) return index + offset;
  const next = ordered.findIndex((item) => (ascending ? item.id > id : item.id < id));
  return next < 0 ? ordered.length : next;
}

/** The list envelope of §2.1. */
export function listEnvelope(page: Page<Json>): JsonObject {
  return { object: 'list', data: page.data, list_metadata: { before: page.before, after: page.after } };
}
