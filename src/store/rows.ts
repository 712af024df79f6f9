import type {
  AgentRecord,
  ApprovalRecord,
  AuditRecord,
  FreezeRecord,
  OperatorRecord,
  TokenRecord,
} from './types.js';

/**
 * Row ↔ record mapping shared by both dialects. Both keep JSON as text (not jsonb) so details come
 * back byte-for-byte as sealed, and times as ISO-8601 text so they compare and hash exactly.
 */

type Row = Record<string, unknown>;

/** The audit columns in insert order, each with the record field it holds. */
export const AUDIT_COLUMNS = [
  ['seq', 'seq'],
  ['kind', 'kind'],
  ['time', 'time'],
  ['request_id', 'requestId'],
  ['agent_id', 'agentId'],
  ['agent_name', 'agentName'],
  ['endpoint_id', 'endpointId'],
  ['area', 'area'],
  ['access', 'access'],
  ['permission', 'permission'],
  ['decision', 'decision'],
  ['reason', 'reason'],
  ['rule', 'rule'],
  ['method', 'method'],
  ['path', 'path'],
  ['organization_id', 'organizationId'],
  ['resource_ids', 'resourceIds'],
  ['status', 'status'],
  ['upstream_status', 'upstreamStatus'],
  ['upstream_request_id', 'upstreamRequestId'],
  ['latency_ms', 'latencyMs'],
  ['upstream_latency_ms', 'upstreamLatencyMs'],
  ['bytes_in', 'bytesIn'],
  ['bytes_out', 'bytesOut'],
  ['client_ip', 'clientIp'],
  ['user_agent', 'userAgent'],
  ['details', 'details'],
  ['prev_hash', 'prevHash'],
  ['hash', 'hash'],
] as const satisfies ReadonlyArray<readonly [string, keyof AuditRecord]>;

export const JSON_FIELDS = new Set<string>(['resourceIds', 'details']);
export const NUMERIC_FIELDS = new Set<string>([
  'seq',
  'status',
  'upstreamStatus',
  'latencyMs',
  'upstreamLatencyMs',
  'bytesIn',
  'bytesOut',
]);

/** PostgreSQL's bigint arrives as a string; SQLite's as a number. */
function toNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function parseJson(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/** The values of one audit record in `AUDIT_COLUMNS` order. */
export function auditRowValues(record: AuditRecord): unknown[] {
  return AUDIT_COLUMNS.map(([, field]) => {
    const value = record[field];
    return JSON_FIELDS.has(field) ? JSON.stringify(value) : value;
  });
}

export function auditFromRow(row: Row): AuditRecord {
  const record: Record<string, unknown> = {};
  for (const [column, field] of AUDIT_COLUMNS) {
    const value = row[column];
    if (JSON_FIELDS.has(field)) record[field] = parseJson(value);
    else if (NUMERIC_FIELDS.has(field)) record[field] = toNumber(value);
    else record[field] = value ?? null;
  }
  return record as unknown as AuditRecord;
}

/** Agent values in `AGENT_COLUMNS` order. */
export const AGENT_COLUMNS = [
  'id',
  'name',
  'description',
  'grants',
  'enabled',
  'expires_at',
  'weight',
  'quota',
  'mcp_tools',
  'approve',
  'restrictions',
  'created_at',
  'updated_at',
] as const;

export function agentRowValues(agent: AgentRecord, booleanAsInteger: boolean): unknown[] {
  return [
    agent.id,
    agent.name,
    agent.description,
    JSON.stringify(agent.grants),
    booleanAsInteger ? Number(agent.enabled) : agent.enabled,
    agent.expiresAt,
    agent.weight,
    agent.quota === null ? null : JSON.stringify(agent.quota),
    agent.mcpTools,
    agent.approve?.length ? JSON.stringify(agent.approve) : null,
    agent.restrictions ? JSON.stringify(agent.restrictions) : null,
    agent.createdAt,
    agent.updatedAt,
  ];
}

export function agentFromRow(row: Row): AgentRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    description: String(row.description),
    grants: parseJson(row.grants) as AgentRecord['grants'],
    enabled: Boolean(row.enabled),
    expiresAt: (row.expires_at as string | null) ?? null,
    weight: Number(row.weight),
    quota: (parseJson(row.quota) as AgentRecord['quota']) ?? null,
    mcpTools: (row.mcp_tools as AgentRecord['mcpTools'] | undefined) ?? null,
    ...(row.approve ? { approve: parseJson(row.approve) as AgentRecord['approve'] } : {}),
    restrictions: (parseJson(row.restrictions) as AgentRecord['restrictions'] | undefined) ?? null,
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}

export const TOKEN_COLUMNS = [
  'id',
  'agent_id',
  'hash',
  'hint',
  'created_at',
  'expires_at',
  'revoked_at',
] as const;

export function tokenRowValues(token: TokenRecord): unknown[] {
  return [token.id, token.agentId, token.hash, token.hint, token.createdAt, token.expiresAt, token.revokedAt];
}

export function tokenFromRow(row: Row): TokenRecord {
  return {
    id: String(row.id),
    agentId: String(row.agent_id),
    hash: String(row.hash),
    hint: String(row.hint),
    createdAt: String(row.created_at),
    expiresAt: (row.expires_at as string | null) ?? null,
    revokedAt: (row.revoked_at as string | null) ?? null,
  };
}

/** `findToken` selects the token's columns as `t_*` beside the agent's, in one join. */
export function tokenFromJoinedRow(row: Row): TokenRecord {
  const prefixed: Row = {};
  for (const column of TOKEN_COLUMNS) prefixed[column] = row[`t_${column}`];
  return tokenFromRow(prefixed);
}

export const OPERATOR_COLUMNS = [
  'id',
  'name',
  'role',
  'hash',
  'hint',
  'created_at',
  'created_by',
  'revoked_at',
] as const;

export function operatorRowValues(operator: OperatorRecord): unknown[] {
  return [
    operator.id,
    operator.name,
    operator.role,
    operator.hash,
    operator.hint,
    operator.createdAt,
    operator.createdBy,
    operator.revokedAt,
  ];
}

export function operatorFromRow(row: Row): OperatorRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    role: String(row.role) as OperatorRecord['role'],
    hash: String(row.hash),
    hint: String(row.hint),
    createdAt: String(row.created_at),
    createdBy: String(row.created_by),
    revokedAt: (row.revoked_at as string | null) ?? null,
  };
}

export const FREEZE_COLUMNS = [
  'scope',
  'agent_name',
  'writes_only',
  'reason',
  'created_at',
  'created_by',
] as const;

export function freezeRowValues(freeze: FreezeRecord, booleanAsInteger: boolean): unknown[] {
  return [
    freeze.scope,
    freeze.agentName,
    booleanAsInteger ? Number(freeze.writesOnly) : freeze.writesOnly,
    freeze.reason,
    freeze.createdAt,
    freeze.createdBy,
  ];
}

export function freezeFromRow(row: Row): FreezeRecord {
  return {
    scope: String(row.scope),
    agentName: (row.agent_name as string | null) ?? null,
    writesOnly: Boolean(row.writes_only),
    reason: String(row.reason),
    createdAt: String(row.created_at),
    createdBy: String(row.created_by),
  };
}

export const APPROVAL_COLUMNS = [
  'id',
  'agent_id',
  'agent_name',
  'endpoint_id',
  'method',
  'path',
  'digest',
  'policy_version',
  'selector',
  'required',
  'status',
  'decisions',
  'request',
  'request_id',
  'created_at',
  'expires_at',
  'used_at',
  'revision',
] as const;

export function approvalRowValues(approval: ApprovalRecord): unknown[] {
  return [
    approval.id,
    approval.agentId,
    approval.agentName,
    approval.endpointId,
    approval.method,
    approval.path,
    approval.digest,
    approval.policyVersion,
    approval.selector,
    approval.required,
    approval.status,
    JSON.stringify(approval.decisions),
    JSON.stringify(approval.request),
    approval.requestId,
    approval.createdAt,
    approval.expiresAt,
    approval.usedAt,
    approval.revision,
  ];
}

export function approvalFromRow(row: Row): ApprovalRecord {
  return {
    id: String(row.id),
    agentId: String(row.agent_id),
    agentName: String(row.agent_name),
    endpointId: String(row.endpoint_id),
    method: String(row.method),
    path: String(row.path),
    digest: String(row.digest),
    policyVersion: String(row.policy_version),
    selector: String(row.selector),
    required: Number(row.required),
    status: String(row.status) as ApprovalRecord['status'],
    decisions: parseJson(row.decisions) as ApprovalRecord['decisions'],
    request: parseJson(row.request) as ApprovalRecord['request'],
    requestId: String(row.request_id),
    createdAt: String(row.created_at),
    expiresAt: String(row.expires_at),
    usedAt: (row.used_at as string | null) ?? null,
    revision: Number(row.revision),
  };
}
