import { entityNotFound } from './errors.js';
import type { JsonObject } from './json.js';

/** Rows of one object type, kept in creation order (a Map keeps insertion order; updates keep their place). */
export class Table<T extends JsonObject & { id: string }> {
  private readonly rows = new Map<string, T>();

  get(id: string): T | undefined {
    return this.rows.get(id);
  }

  /** Oldest first. */
  all(): T[] {
    return [...this.rows.values()];
  }

  filter(keep: (row: T) => boolean): T[] {
    return this.all().filter(keep);
  }

  find(match: (row: T) => boolean): T | undefined {
    for (const row of this.rows.values()) if (match(row)) return row;
    return undefined;
  }

  put(row: T): T {
    this.rows.set(row.id, row);
    return row;
  }

  delete(id: string): T | undefined {
    const row = this.rows.get(id);
    this.rows.delete(id);
    return row;
  }

  clear(): void {
    this.rows.clear();
  }

  get size(): number {
    return this.rows.size;
  }
}

/** The row with `id`, or WorkOS's 404 `entity_not_found` naming `entity` (e.g. "User"). */
export function requireRow<T extends JsonObject & { id: string }>(
  table: Table<T>,
  id: string,
  entity: string,
): T {
  const row = table.get(id);
  if (!row) throw entityNotFound(entity, id);
  return row;
}
