import type { Logger } from 'pino';
import { answerUnknownOutcomes } from '../audit/index.js';
import type { Store } from '../store/types.js';

/**
 * How old a call must be before a replica sharing the store may call it unanswered: longer than any call
 * stays in flight (a limit wait, the upstream timeouts and a long answer streaming back). 10 minutes.
 */
const SHARED_STORE_HORIZON_MS = 10 * 60 * 1000;
const SHARED_SWEEP_EVERY_MS = 60 * 1000; // 1 minute

/**
 * At start-up, answers every allowed call that has no outcome record with an `outcome_unknown` record,
 * before the proxy listens. A store only this process writes (SQLite) is swept up to now: any call
 * without an outcome belonged to a process that is gone. A shared store (PostgreSQL) is swept up to
 * the horizon at start and then every minute, since the other replicas' recent calls may still be in flight.
 */
export async function startUnknownOutcomeSweep(
  store: Store,
  deps: { logger: Logger; now: () => number },
): Promise<{ answeredAtStart: number; stop(): void }> {
  const shared = store.capabilities.sharedAcrossProcesses;
  const horizon = () => new Date(deps.now() - (shared ? SHARED_STORE_HORIZON_MS : 0));
  const answeredAtStart = await answerUnknownOutcomes(store, { startedBefore: horizon() });
  if (answeredAtStart > 0)
    deps.logger.warn(
      { unknownOutcomes: answeredAtStart },
      `${answeredAtStart} calls from before this start had no outcome record; each is now answered outcome_unknown`,
    );
  if (!shared) return { answeredAtStart, stop: () => undefined };
  const timer = setInterval(() => {
    answerUnknownOutcomes(store, { startedBefore: horizon() })
      .then((answered) => {
        if (answered > 0)
          deps.logger.warn(
            { unknownOutcomes: answered },
            `${answered} calls had no outcome record; answered outcome_unknown`,
          );
      })
      .catch((error: unknown) =>
        deps.logger.error({ err: error }, 'outcome sweep failed; it will try again'),
      );
  }, SHARED_SWEEP_EVERY_MS);
  timer.unref();
  return { answeredAtStart, stop: () => clearInterval(timer) };
}
