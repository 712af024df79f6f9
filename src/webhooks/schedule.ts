/**
 * Waits before each attempt, like Svix's schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 10 h. Entry i is the wait before attempt i + 1; after the last attempt fails the delivery
 * is dead (about 27.6 hours after the event). Tests inject milliseconds.
 */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  0,
  5_000, // 5 seconds
  300_000, // 5 minutes
  1_800_000, // 30 minutes
  7_200_000, // 2 hours
  18_000_000, // 5 hours
  36_000_000, // 10 hours
  36_000_000, // 10 hours
];

/** The state after a failed attempt number `attempts` (1-based): the next due time, or dead. */
export function afterFailure(
  schedule: readonly number[],
  attempts: number,
  now: number,
): { status: 'pending'; nextAttemptAt: number } | { status: 'dead'; nextAttemptAt: null } {
  const wait = schedule[attempts];
  return wait === undefined
    ? { status: 'dead', nextAttemptAt: null }
    : { status: 'pending', nextAttemptAt: now + wait };
}
