/** The admin API's shapes as the console reads them (see /openapi.json). */

// The catalog's own types (type-only: nothing of the server is bundled).
export type {
  CatalogArea as Area,
  CatalogEndpoint as Endpoint,
  CatalogEvent,
  RateLimitRule,
} from '../../src/catalog/types';

export interface Token {
  id: string;
  hint: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  active: boolean;
}

/** A grant: `users:read`, or a restricted one (organizations, field constraints) as an object. */
export type Grant = string | { permission: string; organizations?: string[]; [restriction: string]: unknown };

export interface Agent {
  id: string;
  name: string;
  description: string;
  grants: Grant[];
  enabled: boolean;
  expiresAt: string | null;
  weight: number;
  createdAt: string;
  updatedAt: string;
  tokens: Token[];
}

export interface AuditEntry {
  seq: number;
  kind: 'call' | 'admin' | 'webhook' | 'system' | 'outcome';
  time: string;
  requestId: string;
  agentId: string | null;
  agentName: string | null;
  endpointId: string | null;
  area: string | null;
  access: string | null;
  permission: string | null;
  decision: 'allow' | 'deny' | null;
  reason: string | null;
  rule: string | null;
  method: string | null;
  path: string | null;
  status: number | null;
  upstreamStatus: number | null;
  latencyMs: number | null;
  upstreamLatencyMs: number | null;
  prevHash: string;
  hash: string;
  details: Record<string, unknown>;
  outcome: { seq: number; hash: string } | null;
}

export interface Subscription {
  id: string;
  agentId: string;
  agentName: string | null;
  url: string;
  events: string[];
  secretHint: string;
  createdAt: string;
}

export interface Delivery {
  id: string;
  eventId: string;
  event: string | null;
  subscriptionId: string;
  status: 'pending' | 'delivered' | 'dead' | 'denied';
  attempts: number;
  lastAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
}

export interface List<T> {
  data: T[];
}
