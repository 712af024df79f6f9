/**
 * Removes what an agent may not see from a WorkOS answer: list items of organizations outside its pin,
 * and fields its grant withholds (dotted paths, `*` for every element of an array). Pure.
 */

/** Headers that tell the agent what Bollard took out of the answer. */
export const WITHHELD_HEADER = 'x-bollard-withheld';
export const FILTERED_HEADER = 'x-bollard-items-filtered';

export interface ShapeRequest {
  filterItems: { field: string; organizations: readonly string[] } | null;
  withhold: readonly string[];
}

export interface ShapeResult {
  value: unknown;
  /** The withheld paths that removed something, as configured. */
  withheld: string[];
  /** List items removed because their organization is outside the pin. */
  filtered: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Removes `path` (segments) under `value`; true when something was removed. */
function removePath(value: unknown, segments: readonly string[], at = 0): boolean {
  if (at >= segments.length) return false;
  const segment = segments[at]!;
  const last = at === segments.length - 1;
  if (segment === '*') {
    const children = Array.isArray(value) ? value : isObject(value) ? Object.keys(value) : [];
    let removed = false;
    if (Array.isArray(value)) {
      for (const child of value) removed = removePath(child, segments, at + 1) || removed;
      return removed;
    }
    if (!isObject(value)) return false;
    for (const key of children as string[]) {
      if (last) {
        delete value[key];
        removed = true;
      } else removed = removePath(value[key], segments, at + 1) || removed;
    }
    return removed;
  }
  if (!isObject(value) || !Object.hasOwn(value, segment)) return false;
  if (last) {
    delete value[segment];
    return true;
  }
  return removePath(value[segment], segments, at + 1);
}

function isList(value: unknown): value is { object: 'list'; data: unknown[] } {
  return isObject(value) && value.object === 'list' && Array.isArray(value.data);
}

/**
 * Applies a shape to a parsed answer, in place. A path that does not start at `data` applies to a list's
 * items too, so `email` hides the email of one user and of every user in a list alike.
 * @example shapeValue({ object: 'list', data: [{ id: 'u', email: 'a@b' }] }, { filterItems: null, withhold: ['email'] })
 *   // { value: { object: 'list', data: [{ id: 'u' }] }, withheld: ['email'], filtered: 0 }
 */
export function shapeValue(value: unknown, shape: ShapeRequest): ShapeResult {
  let filtered = 0;
  if (shape.filterItems && isList(value)) {
    const { field, organizations } = shape.filterItems;
    const kept = value.data.filter((item) => {
      const org = isObject(item) ? item[field] : undefined;
      return typeof org === 'string' && organizations.includes(org);
    });
    filtered = value.data.length - kept.length;
    value.data = kept;
  }
  const withheld: string[] = [];
  for (const path of shape.withhold) {
    const segments = path.split('.');
    let removed = removePath(value, segments);
    if (isList(value) && segments[0] !== 'data') {
      for (const item of value.data) removed = removePath(item, segments) || removed;
    }
    if (removed) withheld.push(path);
  }
  return { value, withheld, filtered };
}

/** Shapes a JSON body; null when it is not JSON (the caller fails closed). */
export function shapeJsonBody(body: Buffer, shape: ShapeRequest): (ShapeResult & { body: Buffer }) | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  const result = shapeValue(parsed, shape);
  return { ...result, body: Buffer.from(JSON.stringify(result.value), 'utf8') };
}
