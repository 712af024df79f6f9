import type { AuditQuery } from './types.js';

/** A query in parts both dialects assemble; `placeholder(n)` gives `?` (SQLite) or `$n` (PostgreSQL). */
export interface AuditSelect {
  where: string;
  params: unknown[];
  order: 'ASC' | 'DESC';
  limit: number;
}

export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;

const EQUALITY_FILTERS = [
  ['agentId', 'agent_id'],
  ['decision', 'decision'],
  ['area', 'area'],
  ['endpointId', 'endpoint_id'],
  ['status', 'status'],
  ['organizationId', 'organization_id'],
  ['requestId', 'request_id'],
] as const;

/** Translates an `AuditQuery` into a WHERE clause (all filters ANDed), an order and a clamped limit. */
export function buildAuditSelect(query: AuditQuery, placeholder: (n: number) => string): AuditSelect {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return placeholder(params.length);
  };
  if (query.kind !== undefined) {
    const kinds = Array.isArray(query.kind) ? query.kind : [query.kind];
    clauses.push(kinds.length === 0 ? '1 = 0' : `kind IN (${kinds.map(bind).join(', ')})`);
  }
  for (const [field, column] of EQUALITY_FILTERS) {
    const value = query[field];
    if (value !== undefined) clauses.push(`${column} = ${bind(value)}`);
  }
  if (query.since !== undefined) clauses.push(`time >= ${bind(query.since)}`);
  if (query.until !== undefined) clauses.push(`time < ${bind(query.until)}`);
  if (query.afterSeq !== undefined) clauses.push(`seq > ${bind(query.afterSeq)}`);
  if (query.beforeSeq !== undefined) clauses.push(`seq < ${bind(query.beforeSeq)}`);
  const order = query.order ?? (query.afterSeq !== undefined ? 'asc' : 'desc');
  const requested = Math.floor(query.limit ?? DEFAULT_AUDIT_LIMIT);
  return {
    where: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`,
    params,
    order: order === 'asc' ? 'ASC' : 'DESC',
    limit: Math.min(Math.max(requested, 1), MAX_AUDIT_LIMIT),
  };
}
