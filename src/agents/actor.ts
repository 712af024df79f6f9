import { randomUUID } from 'node:crypto';
import { auditDraft } from '../audit/draft.js';
import type { AgentRecord, AuditDraft } from '../store/types.js';
import { diffGrants } from './grants.js';

/** Who made a change. `requestId`, `clientIp` and `userAgent` come from the admin request when there is one. */
export interface Actor {
  kind: 'admin' | 'policy' | 'system';
  name: string;
  requestId?: string;
  clientIp?: string | null;
  userAgent?: string | null;
}

export type AdminAction =
  | 'agent.created'
  | 'agent.updated'
  | 'agent.deleted'
  | 'agent.revoked'
  | 'token.rotated';

/** The parts of an agent an audit record may show: everything, since agents hold no secret. */
function snapshot(agent: AgentRecord | null): Record<string, unknown> | null {
  if (!agent) return null;
  const { createdAt: _created, updatedAt: _updated, ...rest } = agent;
  return rest;
}

/**
 * The audit draft for one admin change: who, what, before and after, and the grants diff.
 * Token ids may appear in `extra`; a token or its hash never does.
 */
export function adminAuditDraft(
  action: AdminAction,
  actor: Actor,
  before: AgentRecord | null,
  after: AgentRecord | null,
  time: string,
  extra: Record<string, unknown> = {},
): AuditDraft {
  const subject = after ?? before;
  return auditDraft({
    kind: 'admin',
    time,
    requestId: actor.requestId ?? `adm_${randomUUID()}`,
    agentId: subject?.id ?? null,
    agentName: subject?.name ?? null,
    reason: action,
    rule: `${actor.kind}:${actor.name}`,
    resourceIds: subject ? [subject.id] : [],
    clientIp: actor.clientIp ?? null,
    userAgent: actor.userAgent ?? null,
    details: {
      action,
      actor: { kind: actor.kind, name: actor.name },
      before: snapshot(before),
      after: snapshot(after),
      grants: diffGrants(before?.grants ?? {}, after?.grants ?? {}),
      ...extra,
    },
  });
}
