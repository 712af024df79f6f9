const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const DURATION = /^(\d+)\s*([smhdw])$/;

/**
 * Seconds in a short duration such as `45s`, `10m`, `1h`, `30d`, `2w`; null when it is not one.
 * @example parseDurationSeconds('30d') // 2592000
 */
export function parseDurationSeconds(text: string): number | null {
  const found = DURATION.exec(text.trim());
  if (!found) return null;
  return Number(found[1]) * UNIT_SECONDS[found[2]!]!;
}

/** A point in time given as a duration ago (`10m`) or as an ISO-8601 date; null when it is neither. */
export function parseSince(text: string, now: Date = new Date()): string | null {
  const seconds = parseDurationSeconds(text);
  if (seconds !== null) return new Date(now.getTime() - seconds * 1000).toISOString();
  const time = Date.parse(text);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}
