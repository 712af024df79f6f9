import type { Logger } from 'pino';
import { newId } from '../agents/ids.js';
import { getEndpoint } from '../catalog/index.js';
import { BollardError } from '../errors/index.js';
import { controlAuditDraft, type OperatorActor } from '../operators/index.js';
import { isStoreConflict } from '../store/errors.js';
import type {
  ApprovalQuery,
  ApprovalRecord,
  ApprovalStatus,
  AuditDraft,
  SealFunction,
  Store,
} from '../store/types.js';
import { type NotifyTarget, postNotification } from './notify.js';

export const MAX_DECISION_REASON = 500;

/** An approval as the admin API shows it: its status as of now, and what the call would do. */
export interface ApprovalView extends ApprovalRecord {
  approvalsGiven: number;
  /** One line for a person deciding: the call, what the endpoint does, and whether it can be undone. */
  wouldDo: string;
  destructive: boolean;
}

export interface ApprovalServiceOptions {
  seal: SealFunction;
  now?: () => number;
  /** How long a request stays decidable, and an approval usable (default 15 minutes). */
  ttlMs: number;
  notify?: NotifyTarget;
  logger?: Logger;
  /** Where a person approves (the console's approval page); null: only the CLI command is given. */
  linkFor?: (id: string) => string | null;
}

/** The facts of a held call an approval request is bound to. */
export type ApprovalAsk = Pick<
  ApprovalRecord,
  | 'agentId'
  | 'agentName'
  | 'endpointId'
  | 'method'
  | 'path'
  | 'digest'
  | 'policyVersion'
  | 'selector'
  | 'required'
  | 'request'
  | 'requestId'
>;

/** Pending and approved requests count only until they expire; the stored status says the rest. */
export function effectiveStatus(approval: ApprovalRecord, now: number): ApprovalStatus {
  const live = approval.status === 'pending' || approval.status === 'approved';
  return live && Date.parse(approval.expiresAt) <= now ? 'expired' : approval.status;
}

function approvalsGiven(approval: ApprovalRecord): number {
  return approval.decisions.filter((d) => d.decision === 'approve').length;
}

function summary(approval: ApprovalRecord) {
  const { id, agentName, method, path, selector, required, status } = approval;
  return {
    id,
    agentName,
    method,
    path,
    selector,
    required,
    status,
    approvalsGiven: approvalsGiven(approval),
  };
}

export type ApprovalService = ReturnType<typeof createApprovalService>;

/**
 * Approval requests bound to one exact call: the gateway opens them and claims them once; operators
 * approve or deny them. Each change commits with its audit record in one `store.apply`, which also wakes
 * calls held for it, on this replica and (PostgreSQL) the others.
 */
export function createApprovalService(store: Store, options: ApprovalServiceOptions) {
  const now = options.now ?? Date.now;

  function view(approval: ApprovalRecord): ApprovalView {
    const endpoint = getEndpoint(approval.endpointId);
    const destructive = endpoint?.destructive ?? false;
    const what = endpoint ? ` — ${endpoint.summary}` : '';
    return {
      ...approval,
      status: effectiveStatus(approval, now()),
      approvalsGiven: approvalsGiven(approval),
      wouldDo: `${approval.agentName} would call ${approval.method} ${approval.path}${what}${destructive ? ' It cannot be undone.' : ''}`,
      destructive,
    };
  }

  async function find(id: string): Promise<ApprovalRecord> {
    const approval = await store.getApproval(id);
    if (!approval) throw new BollardError('not_found', `no approval request '${id}'`);
    return approval;
  }

  async function write(next: ApprovalRecord, expectRevision: number, audit: AuditDraft[]): Promise<void> {
    try {
      await store.apply([{ op: 'putApproval', approval: next, expectRevision }], audit, options.seal);
    } catch (error) {
      if (!isStoreConflict(error)) throw error;
      throw new BollardError(
        'conflict',
        `approval ${next.id} changed meanwhile (another decision landed); look again`,
      );
    }
  }

  /** Checks that `approval` can still be decided by `actor`; voids it when the agent's policy changed. */
  async function assertDecidable(approval: ApprovalRecord, actor: OperatorActor): Promise<void> {
    const status = effectiveStatus(approval, now());
    if (status !== 'pending') {
      throw new BollardError(
        'conflict',
        `approval ${approval.id} is ${status}; only a pending request can be decided`,
        {
          status,
        },
      );
    }
    if (approval.decisions.some((d) => d.operator === actor.name)) {
      throw new BollardError(
        'conflict',
        `operator '${actor.name}' already approved ${approval.id}; it needs ${approval.required} distinct operators`,
      );
    }
    const agent = await store.getAgent(approval.agentId);
    if (agent?.updatedAt === approval.policyVersion) return;
    await write({ ...approval, status: 'void', revision: approval.revision + 1 }, approval.revision, []);
    throw new BollardError(
      'conflict',
      `approval ${approval.id} is void: agent '${approval.agentName}' changed since the call asked; its next call asks again`,
      { status: 'void' },
    );
  }

  async function decide(
    id: string,
    decision: 'approve' | 'deny',
    actor: OperatorActor,
    reason: string | undefined,
  ): Promise<ApprovalView> {
    const text = reason?.trim() || null;
    if (text && text.length > MAX_DECISION_REASON)
      throw new BollardError('validation_failed', `reason: at most ${MAX_DECISION_REASON} characters`);
    const approval = await find(id);
    await assertDecidable(approval, actor);
    const at = new Date(now()).toISOString();
    const decisions = [...approval.decisions, { operator: actor.name, decision, reason: text, at }];
    const given = decisions.filter((d) => d.decision === 'approve').length;
    const status: ApprovalStatus =
      decision === 'deny' ? 'denied' : given >= approval.required ? 'approved' : 'pending';
    const next = { ...approval, decisions, status, revision: approval.revision + 1 };
    const action =
      decision === 'deny'
        ? 'approval.denied'
        : status === 'approved'
          ? 'approval.approved'
          : 'approval.approval_recorded';
    const record = controlAuditDraft(
      action,
      actor,
      at,
      { approval: summary(next), decisionReason: text },
      { agentId: approval.agentId, agentName: approval.agentName, resourceIds: [approval.id] },
    );
    await write(next, approval.revision, [record]);
    return view(next);
  }

  return {
    view,
    linkFor: (id: string) => options.linkFor?.(id) ?? null,

    async list(query: ApprovalQuery = {}): Promise<ApprovalView[]> {
      // Expiry is read, not written: a 'pending' filter must not return what has expired meanwhile.
      const live = query.status === 'pending' || query.status === 'approved' || query.status === 'expired';
      const stored = await store.listApprovals({
        ...query,
        status: live ? undefined : query.status,
        limit: live ? 1000 : query.limit,
      });
      const views = stored.map(view);
      return (live ? views.filter((v) => v.status === query.status) : views).slice(0, query.limit ?? 100);
    },

    async get(id: string): Promise<ApprovalView> {
      return view(await find(id));
    },

    approve: (id: string, actor: OperatorActor, reason?: string) => decide(id, 'approve', actor, reason),
    deny: (id: string, actor: OperatorActor, reason?: string) => decide(id, 'deny', actor, reason),

    /**
     * The request that counts for this exact call: the newest of the agent's requests with this digest under
     * its current policy that is not used, void or expired. Null when the call must ask anew.
     */
    async current(agentId: string, digest: string, policyVersion: string): Promise<ApprovalRecord | null> {
      const at = now();
      const candidates = await store.listApprovals({ agentId, digest, limit: 20 });
      return (
        candidates.find((a) => {
          const status = effectiveStatus(a, at);
          return (
            a.policyVersion === policyVersion &&
            status !== 'used' &&
            status !== 'void' &&
            status !== 'expired'
          );
        }) ?? null
      );
    },

    /** Opens a request for a held call, with the call's write-ahead `pending_approval` record, and announces it. */
    async open(ask: ApprovalAsk, pending: AuditDraft): Promise<ApprovalRecord> {
      const at = now();
      const approval: ApprovalRecord = {
        id: newId('apr', new Date(at)),
        ...ask,
        status: 'pending',
        decisions: [],
        createdAt: new Date(at).toISOString(),
        expiresAt: new Date(at + options.ttlMs).toISOString(),
        usedAt: null,
        revision: 0,
      };
      const record = { ...pending, details: { ...pending.details, approvalId: approval.id } };
      await store.apply([{ op: 'putApproval', approval }], [record], options.seal);
      if (options.notify && options.logger) void announce(options.notify, options.logger, view(approval));
      return approval;
    },

    /**
     * Uses an approved request for the call it was asked for: `used`, with the call's write-ahead `allow`
     * record, in one transaction. False when it was used, voided or decided otherwise meanwhile.
     */
    async claim(approval: ApprovalRecord, call: AuditDraft): Promise<boolean> {
      if (effectiveStatus(approval, now()) !== 'approved') return false;
      const used = {
        ...approval,
        status: 'used' as const,
        usedAt: new Date(now()).toISOString(),
        revision: approval.revision + 1,
      };
      try {
        await store.apply(
          [{ op: 'putApproval', approval: used, expectRevision: approval.revision }],
          [call],
          options.seal,
        );
        return true;
      } catch (error) {
        if (isStoreConflict(error)) return false;
        throw error;
      }
    },

    /** The stored request as it is now (the gateway reads it again on every wake). */
    record: (id: string) => store.getApproval(id),
  };

  function announce(target: NotifyTarget, logger: Logger, approval: ApprovalView): Promise<void> {
    const link = options.linkFor?.(approval.id);
    const text = [
      `Approval needed (${approval.id}): ${approval.wouldDo}`,
      `Rule: approve ${approval.selector}${approval.required > 1 ? `, ${approval.required} operators` : ''}; expires ${approval.expiresAt}.`,
      `Approve: bollard approvals approve ${approval.id}${link ? ` or ${link}` : ''}`,
    ].join('\n');
    const { request: _request, digest: _digest, ...shown } = approval;
    return postNotification(target, { text, approval: shown }, logger, now());
  }
}
