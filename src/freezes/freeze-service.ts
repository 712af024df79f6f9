import { BollardError } from '../errors/index.js';
import { controlAuditDraft, type OperatorActor } from '../operators/index.js';
import type { FreezeRecord, SealFunction, Store, StoreOp } from '../store/types.js';

/** What to freeze: one agent (by name or id) or every agent. */
export type FreezeTarget = { agent: string } | { all: true };

export interface FreezeInput {
  target: FreezeTarget;
  /** Refuse only calls that change something (reads go on). */
  writesOnly?: boolean;
  /** Shown to the agent in the 403 and kept in the audit log. */
  reason?: string;
}

export const MAX_FREEZE_REASON = 500;

export type FreezeService = ReturnType<typeof createFreezeService>;

/**
 * The kill switch: freeze one agent or every agent (optionally writes only), and lift it. Each change
 * commits with its audit record in one `store.apply`, which also tells every replica (PostgreSQL NOTIFY)
 * so their next decision, and every call parked inside them, sees it.
 */
export function createFreezeService(store: Store, options: { seal: SealFunction; now?: () => Date }) {
  const now = options.now ?? (() => new Date());

  async function scopeOf(target: FreezeTarget): Promise<{ scope: string; agentName: string | null }> {
    if ('all' in target) return { scope: 'all', agentName: null };
    const agent = target.agent.startsWith('agt_')
      ? await store.getAgent(target.agent)
      : await store.getAgentByName(target.agent);
    if (!agent) throw new BollardError('not_found', `no agent '${target.agent}'`);
    return { scope: agent.id, agentName: agent.name };
  }

  /** The change and its audit record, in one transaction. */
  async function commit(op: StoreOp, action: string, freeze: FreezeRecord, actor: OperatorActor, at: string) {
    const agent = { agentId: freeze.scope === 'all' ? null : freeze.scope, agentName: freeze.agentName };
    await store.apply([op], [controlAuditDraft(action, actor, at, { freeze }, agent)], options.seal);
  }

  return {
    list(): Promise<FreezeRecord[]> {
      return store.listFreezes();
    },

    async freeze(input: FreezeInput, actor: OperatorActor): Promise<FreezeRecord> {
      const reason = (input.reason ?? '').trim();
      if (reason.length > MAX_FREEZE_REASON) {
        throw new BollardError('validation_failed', `reason: at most ${MAX_FREEZE_REASON} characters`, {
          errors: [{ path: 'reason', message: `at most ${MAX_FREEZE_REASON} characters` }],
        });
      }
      const at = now().toISOString();
      const freeze: FreezeRecord = {
        ...(await scopeOf(input.target)),
        writesOnly: input.writesOnly ?? false,
        reason,
        createdAt: at,
        createdBy: actor.name,
      };
      await commit({ op: 'putFreeze', freeze }, 'freeze.set', freeze, actor, at);
      return freeze;
    },

    async unfreeze(target: FreezeTarget, actor: OperatorActor): Promise<FreezeRecord> {
      const { scope } = await scopeOf(target);
      const freeze = (await store.listFreezes()).find((f) => f.scope === scope);
      if (!freeze) {
        const what = 'all' in target ? 'every agent' : `agent '${target.agent}'`;
        throw new BollardError(
          'not_found',
          `no freeze on ${what}; bollard freeze --list shows those in force`,
        );
      }
      const at = now().toISOString();
      await commit({ op: 'deleteFreeze', scope }, 'freeze.lifted', freeze, actor, at);
      return freeze;
    },
  };
}
