import { callsRepresented } from '../audit/draft.js';
import { getEndpoint } from '../catalog/index.js';
import { authorize, NO_CONTROLS } from '../policy/index.js';
import type { AuditRecord, Store } from '../store/types.js';
import { type AgentFields, mergeFields } from './agent-input.js';
import type { DesiredPolicy } from './policy-plan.js';

/** One endpoint's calls in a replay group: how many, and the last one's time. */
export interface ReplayCount {
  endpoint: string;
  method: string;
  path: string;
  count: number;
  lastSeen: string;
}

/** What a proposed policy would have done to one agent's recorded calls. */
export interface AgentReplay {
  agent: string;
  /** Calls allowed then that the proposed policy would deny. */
  wouldDeny: ReplayCount[];
  /** Calls allowed then that the proposed policy would hold for an operator's approval. */
  wouldNeedApproval: ReplayCount[];
  /** Calls denied then for a missing permission that the proposed policy would allow. */
  newlyAllowed: ReplayCount[];
}

export interface ReplayReport {
  since: string;
  /** Calls read (one per call record, an aggregate of denials its count; held calls count once, by their final record). */
  calls: number;
  agents: AgentReplay[];
  summary: { wouldDeny: number; wouldNeedApproval: number; newlyAllowed: number };
}

type Verdict = 'allow' | 'approval' | 'deny';

const PAGE = 1000;

/** Every call record since `since`, oldest first, a page at a time. */
export async function* callRecordsSince(
  store: Pick<Store, 'queryAudit'>,
  since: string,
): AsyncIterable<AuditRecord> {
  let afterSeq = 0;
  for (;;) {
    const page = await store.queryAudit({ kind: 'call', since, afterSeq, order: 'asc', limit: PAGE });
    for (const record of page) yield record;
    if (page.length < PAGE) return;
    afterSeq = page[page.length - 1]!.seq;
  }
}

function verdictOf(
  fields: AgentFields | undefined,
  name: string,
  endpointId: string,
  now: number,
): Verdict | null {
  const endpoint = getEndpoint(endpointId);
  if (!endpoint) return null;
  if (!fields) return 'deny'; // the proposed policy removes the agent
  const decision = authorize({ id: name, name, ...fields }, endpoint, now, NO_CONTROLS);
  if (decision.allow) return 'allow';
  return decision.reason === 'approval_required' ? 'approval' : 'deny';
}

/**
 * Evaluates recorded traffic against a proposed policy: for each agent, the calls allowed then that it would
 * deny or hold for approval, and the calls denied then for a missing permission that it would allow. Pure
 * grant and approval rules (`authorize`); organization pins and constraints are not replayed.
 */
export async function replayPolicy(
  store: Pick<Store, 'queryAudit'>,
  policy: DesiredPolicy,
  since: string,
  now: number = Date.now(),
): Promise<ReplayReport> {
  const proposed = new Map(policy.agents.map((agent) => [agent.name, mergeFields(null, agent)]));
  const groups = new Map<string, Map<string, ReplayCount>>();
  const add = (agent: string, kind: keyof Omit<AgentReplay, 'agent'>, record: AuditRecord, calls: number) => {
    const key = `${agent}\u0000${kind}`;
    const byEndpoint = groups.get(key) ?? new Map<string, ReplayCount>();
    groups.set(key, byEndpoint);
    const endpoint = getEndpoint(record.endpointId ?? '');
    const count = byEndpoint.get(record.endpointId ?? '') ?? {
      endpoint: record.endpointId ?? '',
      method: endpoint?.method ?? record.method ?? '',
      path: endpoint?.path ?? record.path ?? '',
      count: 0,
      lastSeen: record.time,
    };
    count.count += calls;
    if (record.time > count.lastSeen) count.lastSeen = record.time;
    byEndpoint.set(count.endpoint, count);
  };
  let calls = 0;
  for await (const record of callRecordsSince(store, since)) {
    // A held call's write-ahead record is followed by its final one: count the call once.
    if (!record.agentName || !record.endpointId || record.decision === 'pending_approval') continue;
    const wasAllowed = record.decision === 'allow';
    if (!wasAllowed && record.reason !== 'missing_permission') continue;
    // An aggregate of an agent's repeated denials stands for its count of calls.
    const represented = callsRepresented(record);
    calls += represented;
    const verdict = verdictOf(proposed.get(record.agentName), record.agentName, record.endpointId, now);
    if (wasAllowed && verdict === 'deny') add(record.agentName, 'wouldDeny', record, represented);
    else if (wasAllowed && verdict === 'approval')
      add(record.agentName, 'wouldNeedApproval', record, represented);
    else if (!wasAllowed && verdict === 'allow') add(record.agentName, 'newlyAllowed', record, represented);
  }
  const names = [...new Set([...groups.keys()].map((key) => key.split('\u0000')[0]!))].sort();
  const listOf = (agent: string, kind: string) =>
    [...(groups.get(`${agent}\u0000${kind}`)?.values() ?? [])].sort(
      (a, b) => b.count - a.count || a.endpoint.localeCompare(b.endpoint),
    );
  const agents = names.map((agent) => ({
    agent,
    wouldDeny: listOf(agent, 'wouldDeny'),
    wouldNeedApproval: listOf(agent, 'wouldNeedApproval'),
    newlyAllowed: listOf(agent, 'newlyAllowed'),
  }));
  const total = (kind: 'wouldDeny' | 'wouldNeedApproval' | 'newlyAllowed') =>
    agents.reduce((sum, a) => sum + a[kind].reduce((s, c) => s + c.count, 0), 0);
  return {
    since,
    calls,
    agents,
    summary: {
      wouldDeny: total('wouldDeny'),
      wouldNeedApproval: total('wouldNeedApproval'),
      newlyAllowed: total('newlyAllowed'),
    },
  };
}
