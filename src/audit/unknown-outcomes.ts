import type { AuditDraft, AuditRecord, Store } from '../store/types.js';
import { auditDraft } from './draft.js';
import { sealRecord } from './seal.js';

/** The reason and `details.error` of the record that answers a call whose outcome was never written. */
export const OUTCOME_UNKNOWN = 'outcome_unknown';

/**
 * The outcome record for an allowed call whose process stopped (crash, `kill -9`, power loss) before it
 * wrote what WorkOS answered: the call may or may not have taken effect at WorkOS, and the log says so.
 */
export function unknownOutcomeDraft(call: AuditRecord, now: Date): AuditDraft {
  return auditDraft({
    kind: 'outcome',
    time: now.toISOString(),
    requestId: call.requestId,
    agentId: call.agentId,
    endpointId: call.endpointId,
    area: call.area,
    decision: call.decision,
    reason: OUTCOME_UNKNOWN,
    rule: 'sweep:no_outcome',
    organizationId: call.organizationId,
    details: {
      error: OUTCOME_UNKNOWN,
      callSeq: call.seq,
      note: 'Bollard stopped before it recorded what WorkOS answered; the call may have taken effect.',
    },
  });
}

/**
 * Answers every allowed call that has no outcome record with an `outcome_unknown` record (chained like
 * any other) and returns how many it answered. Calls that started at or after `startedBefore` are left
 * alone: in a shared store another replica may still be relaying them.
 * @example const answered = await answerUnknownOutcomes(store, { startedBefore: new Date() });
 */
export async function answerUnknownOutcomes(
  store: Pick<Store, 'answerUnansweredCalls'>,
  options: { startedBefore: Date; now?: () => Date; limit?: number },
): Promise<number> {
  const now = options.now ?? (() => new Date());
  let answered = 0;
  for (;;) {
    const sweep = await store.answerUnansweredCalls({
      startedBefore: options.startedBefore.toISOString(),
      limit: options.limit,
      answer: (call) => unknownOutcomeDraft(call, now()),
      seal: sealRecord,
    });
    answered += sweep.answered.length;
    if (!sweep.more) return answered;
  }
}
