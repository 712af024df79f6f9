import type { IncomingMessage } from 'node:http';
import { capNullable, capText, MAX_HEADER_CHARS, MAX_PATH_CHARS, MAX_REASON_CHARS } from '../audit/bound.js';
import { REDACTED } from '../audit/redact.js';
import type { CatalogEndpoint } from '../catalog/types.js';
import { readValue } from '../catalog/value-source.js';
import type { Decision } from '../policy/index.js';
import type { AgentRecord, AuditDraft } from '../store/types.js';
import type { CallObservation } from './observe.js';

/** What the pipeline knows about a call when it writes its record. */
export interface CallFacts {
  requestId: string;
  startedAt: number;
  req: IncomingMessage;
  method: string | null;
  path: string | null;
  agent: AgentRecord | null;
  endpoint: CatalogEndpoint | null;
  params: Readonly<Record<string, string>>;
  query: URLSearchParams | null;
  body: Record<string, unknown> | undefined;
  decision: Decision | null;
  details: Record<string, unknown>;
  /** The approval request this call is held for, or was approved by (`apr_…`). */
  approvalId?: string;
  /** Metrics, log line and trace of this call (a no-op without an observer). */
  observation?: CallObservation;
}

/** The 'call' record: written ahead of forwarding, or as the whole story of a denial. */
export function callDraft(
  facts: CallFacts,
  outcome: {
    decision: 'allow' | 'deny' | 'pending_approval';
    reason: string;
    rule: string;
    status: number | null;
  },
): AuditDraft {
  const { endpoint } = facts;
  return {
    kind: 'call',
    time: new Date(facts.startedAt).toISOString(),
    requestId: facts.requestId,
    agentId: facts.agent?.id ?? null,
    agentName: facts.agent?.name ?? null,
    endpointId: endpoint?.id ?? null,
    area: endpoint?.area ?? null,
    access: endpoint?.access ?? null,
    permission: endpoint?.permission ?? null,
    decision: outcome.decision,
    reason: capText(outcome.reason, MAX_REASON_CHARS),
    rule: capText(outcome.rule, MAX_REASON_CHARS),
    method: capNullable(facts.method, MAX_REASON_CHARS),
    path: capNullable(storedPath(facts), MAX_PATH_CHARS),
    organizationId: organizationOf(facts),
    resourceIds: storedResourceIds(facts),
    status: outcome.status,
    upstreamStatus: null,
    upstreamRequestId: null,
    latencyMs: outcome.status === null ? null : Date.now() - facts.startedAt,
    upstreamLatencyMs: null,
    bytesIn: Number(facts.req.headers['content-length'] ?? 0) || 0,
    bytesOut: null,
    clientIp: facts.req.socket.remoteAddress ?? null,
    userAgent: capNullable(facts.req.headers['user-agent'], MAX_HEADER_CHARS),
    details: facts.details,
  };
}

/**
 * The 'outcome' record of an allowed call, linked to its 'call' by the request id. Slim: it carries
 * what the call did not know (status, upstream facts, latency, bytes out) and the call's filter columns
 * (agent, area, endpoint, organization, decision) so a combined filter such as agent + status still
 * finds it; method, path, permission, client and the rest are read from the call when the two are merged.
 */
export function outcomeDraft(
  call: AuditDraft,
  result: {
    status: number;
    upstreamStatus: number | null;
    upstreamRequestId: string | null;
    upstreamLatencyMs: number | null;
    bytesOut: number;
    error?: string;
    /** Set when the answer names the organization the call created (the call itself could not). */
    organizationId?: string | null;
    /** Response paths taken out of the answer (redaction, withheld secrets). */
    withheld?: string[];
    /** List items taken out of the answer because their organization is outside the agent's pin. */
    filtered?: number;
  },
  startedAt: number,
): AuditDraft {
  const now = Date.now();
  return {
    kind: 'outcome',
    time: new Date(now).toISOString(),
    requestId: call.requestId,
    agentId: call.agentId,
    agentName: null,
    endpointId: call.endpointId,
    area: call.area,
    access: null,
    permission: null,
    decision: call.decision,
    reason: null,
    rule: null,
    method: null,
    path: null,
    organizationId: result.organizationId ?? call.organizationId,
    resourceIds: [],
    status: result.status,
    upstreamStatus: result.upstreamStatus,
    upstreamRequestId: result.upstreamRequestId,
    latencyMs: now - startedAt,
    upstreamLatencyMs: result.upstreamLatencyMs,
    bytesIn: null,
    bytesOut: result.bytesOut,
    clientIp: null,
    userAgent: null,
    details: outcomeDetails(result),
  };
}

function outcomeDetails(result: { error?: string; withheld?: string[]; filtered?: number }) {
  const details: Record<string, unknown> = {};
  if (result.error) details.error = result.error;
  if (result.withheld && result.withheld.length > 0) details.withheld = result.withheld;
  if (result.filtered !== undefined) details.filtered = result.filtered;
  return details;
}

/** The path as stored: a secret path parameter (catalog `pathSecrets`) keeps its place as `[redacted]`. */
function storedPath(facts: CallFacts): string | null {
  const secrets = facts.endpoint?.pathSecrets;
  if (!secrets || facts.path === null) return facts.path;
  const template = facts.endpoint!.path.split('/');
  const secretSegments = new Set(secrets.map((name) => `{${name}}`));
  return facts.path
    .split('/')
    .map((segment, i) => (secretSegments.has(template[i] ?? '') ? REDACTED : segment))
    .join('/');
}

function storedResourceIds(facts: CallFacts): string[] {
  const secrets = facts.endpoint?.pathSecrets;
  return Object.entries(facts.params).map(([name, value]) =>
    secrets?.includes(name) ? REDACTED : capText(value, MAX_PATH_CHARS),
  );
}

function organizationOf(facts: CallFacts): string | null {
  const source = facts.endpoint?.organizationId;
  if (!source || !facts.query) return null;
  return readValue(source, { params: facts.params, query: facts.query, body: facts.body });
}
