import type { MessagePort } from 'node:worker_threads';
import type { AgentRestrictions } from '../policy/restrictions.js';
import type { SinkCursorStore } from './sink-cursor-types.js';
import type { WebhookStore } from './webhook-types.js';

/**
 * The one persistence interface. SQLite (embedded default) and PostgreSQL implement it; nothing
 * above the store knows which one it talks to. Differences are capability flags, never
 * `if (kind === 'sqlite')` in callers.
 */

export type Access = 'read' | 'write';

/** `full`: one MCP tool per allowed endpoint; `compact`: search, describe and call; `auto`: picks by count. */
export type McpToolMode = 'full' | 'compact' | 'auto';

/** An agent: a named holder of grants. Tokens are kept apart (an agent may have several during rotation). */
export interface AgentRecord {
  /** `agt_` + ULID-like id */
  id: string;
  /** Unique, `[a-z0-9][a-z0-9._-]{0,62}` */
  name: string;
  description: string;
  /** area → access; write includes read. */
  grants: Record<string, Access>;
  enabled: boolean;
  /** ISO-8601, or null for no expiry. */
  expiresAt: string | null;
  /** Share of the overall WorkOS rate budget (default 1). */
  weight: number;
  /** Optional per-agent quotas. */
  quota: { perMinute?: number; perDay?: number } | null;
  /** Which MCP tool list the agent gets; null follows the server default (`BOLLARD_MCP_TOOLS`). */
  mcpTools: McpToolMode | null;
  /** Calls that need an operator's approval first (policy `approve:`); absent or empty: none. */
  approve?: ApprovalRule[];
  /** Organization pins, argument constraints and redaction below the area; null when the agent has none. */
  restrictions?: AgentRestrictions | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * One `approve:` entry of an agent: a selector (`destructive`, `secrets`, `organizations:write`,
 * `DELETE /organizations/{id}`) and how many distinct operators must approve (the two-person rule).
 */
export interface ApprovalRule {
  selector: string;
  approvals: number;
}

/** What an operator may do: viewers read, approvers also decide approvals, admins do everything. */
export type OperatorRole = 'admin' | 'approver' | 'viewer';

/** A named person (or team) with an admin API token of their own; the token is kept as a hash only. */
export interface OperatorRecord {
  /** `opr_` + id */
  id: string;
  /** Unique, like an agent name; `admin` is the bootstrap token's and cannot be taken. */
  name: string;
  role: OperatorRole;
  /** hex SHA-256 of the token */
  hash: string;
  /** The token's first characters, safe to show. */
  hint: string;
  createdAt: string;
  /** The operator who created it. */
  createdBy: string;
  revokedAt: string | null;
}

/** A kill switch in force: every agent (`scope: 'all'`) or one (`scope`: its id). */
export interface FreezeRecord {
  /** `all`, or an agent id */
  scope: string;
  /** The agent's name when one agent is frozen. */
  agentName: string | null;
  /** Only calls that change something are refused. */
  writesOnly: boolean;
  reason: string;
  createdAt: string;
  /** The operator who froze. */
  createdBy: string;
}

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'used' | 'expired' | 'void';

/** One operator's decision on an approval request. */
export interface ApprovalDecision {
  operator: string;
  decision: 'approve' | 'deny';
  reason: string | null;
  at: string;
}

/**
 * An approval request bound to one exact call: agent + method + path + a digest of query and body +
 * the agent's policy version. Used once; a different body or a second use needs a new one.
 */
export interface ApprovalRecord {
  /** `apr_` + id */
  id: string;
  agentId: string;
  agentName: string;
  endpointId: string;
  method: string;
  /** The path as called (redacted where the catalog marks a path secret). */
  path: string;
  /** hex SHA-256 over method, path, query and body: what "the identical call" means. */
  digest: string;
  /** The agent's `updatedAt` when asked: any change to the agent voids the request. */
  policyVersion: string;
  /** The `approve:` selector that required it. */
  selector: string;
  /** Distinct operators who must approve. */
  required: number;
  status: ApprovalStatus;
  decisions: ApprovalDecision[];
  /** What the call would send, redacted as in the audit log (query, body fields). */
  request: Record<string, unknown>;
  /** The request id of the call that asked. */
  requestId: string;
  createdAt: string;
  expiresAt: string;
  /** When the approved call was forwarded (status `used`). */
  usedAt: string | null;
  /** Bumped on every change; a decision is written only over the revision it read. */
  revision: number;
}

/** Filters for listing approvals; newest first. */
export interface ApprovalQuery {
  status?: ApprovalStatus;
  agentId?: string;
  digest?: string;
  /** default 100, max 1000 */
  limit?: number;
}

/** An agent token, stored as a hash only. */
export interface TokenRecord {
  /** `tok_` + id */
  id: string;
  agentId: string;
  /** hex SHA-256 of the full token string */
  hash: string;
  /** The first characters of the token, safe to show (`bol_3xK9`). */
  hint: string;
  createdAt: string;
  /** Set on rotation: the old token keeps working until then. ISO-8601 or null. */
  expiresAt: string | null;
  revokedAt: string | null;
}

/** The kinds of record in the audit chain. */
export type AuditKind =
  /** A call through the proxy: written ahead (before forwarding) with the decision; for denials it also holds the final status. */
  | 'call'
  /** The outcome of an allowed call, written after the response; `requestId` links it to its `call`. */
  | 'outcome'
  /** A change made through the admin API or policy apply; `details` holds before/after. */
  | 'admin'
  /** Webhook events received and deliveries attempted. */
  | 'webhook'
  /** Start-up, retention, and other system events. */
  | 'system';

/** An audit entry before the store seals it into the chain. */
export interface AuditDraft {
  kind: AuditKind;
  /** ISO-8601 with milliseconds */
  time: string;
  /** Bollard's request id (`x-bollard-request-id`) */
  requestId: string;
  agentId: string | null;
  agentName: string | null;
  endpointId: string | null;
  area: string | null;
  access: Access | null;
  permission: string | null;
  /** `pending_approval`: held for an operator's approval (written ahead; the call's final record follows). */
  decision: 'allow' | 'deny' | 'pending_approval' | null;
  /** Machine code of the reason (`granted`, `missing_permission`, `unknown_endpoint`, `rate_limited`…) */
  reason: string | null;
  /** Which rule decided (`grant:organizations:write`, `catalog:not_found`, `ratelimit:directory_users`…) */
  rule: string | null;
  method: string | null;
  /** Path without the query string */
  path: string | null;
  organizationId: string | null;
  /** Resource ids the call touched (from path, query or body per the catalog) */
  resourceIds: string[];
  /** Status Bollard answered with (null until known) */
  status: number | null;
  upstreamStatus: number | null;
  /** WorkOS's `X-Request-ID` */
  upstreamRequestId: string | null;
  latencyMs: number | null;
  upstreamLatencyMs: number | null;
  bytesIn: number | null;
  bytesOut: number | null;
  clientIp: string | null;
  userAgent: string | null;
  /** Redacted extra facts: query, body field names, admin before/after, webhook event id… Never a secret. */
  details: Record<string, unknown>;
}

/** A sealed audit record: its place in the chain and the hashes that link it. */
export interface AuditRecord extends AuditDraft {
  /** 1-based, gapless, increasing */
  seq: number;
  /** hash of the record before (64 zeros for the first, or the retained segment's last hash) */
  prevHash: string;
  hash: string;
}

/** A record's place in the chain, as the one writer handed it out. */
/**
 * One run of records a commit feed (`Store.openCommitFeed`) receives: made durable, `firstSeq` onwards
 * (consecutive seqs), each as its line of JSON (`lineFromCanonical`), joined by newlines (JSON text never
 * holds a raw one). A feed message is an array of them, in commit order, a few dozen times a second at most.
 */
export interface CommittedLines {
  firstSeq: number;
  lines: string;
}

export interface ChainLink {
  seq: number;
  prevHash: string;
  hash: string;
}

/** Computes a record's hash from the previous hash and its content (the audit module owns the formula). */
export type SealFunction = (record: Omit<AuditRecord, 'hash'>) => string;

/** Filters for reading the audit log. All optional; combined with AND. */
export interface AuditQuery {
  kind?: AuditKind | AuditKind[];
  agentId?: string;
  decision?: 'allow' | 'deny';
  area?: string;
  endpointId?: string;
  status?: number;
  organizationId?: string;
  requestId?: string;
  /** ISO-8601 inclusive lower bound */
  since?: string;
  /** ISO-8601 exclusive upper bound */
  until?: string;
  /** Return records with seq greater than this (ascending order) … */
  afterSeq?: number;
  /** … or less than this (descending order). */
  beforeSeq?: number;
  /** Default: 'asc' with `afterSeq`, otherwise 'desc' (newest first). */
  order?: 'asc' | 'desc';
  /** default 100, max 1000 */
  limit?: number;
}

/** One change inside an atomic batch. */
export type StoreOp =
  | { op: 'putAgent'; agent: AgentRecord }
  | { op: 'deleteAgent'; agentId: string }
  | { op: 'putToken'; token: TokenRecord }
  | { op: 'revokeToken'; tokenId: string; at: string }
  | { op: 'expireToken'; tokenId: string; at: string }
  | { op: 'putOperator'; operator: OperatorRecord }
  | { op: 'revokeOperator'; operatorId: string; at: string }
  | { op: 'putFreeze'; freeze: FreezeRecord }
  | { op: 'deleteFreeze'; scope: string }
  /** Inserts (`expectRevision` absent) or updates only over that revision; else fails with `conflict`. */
  | { op: 'putApproval'; approval: ApprovalRecord; expectRevision?: number }
  /** Pending and approved-but-unused requests of the agent become `void` (its policy changed). */
  | { op: 'voidApprovals'; agentId: string };

/** What a backend can and cannot do, declared rather than tested by name. */
export interface StoreCapabilities {
  /** Several processes may share this store (PostgreSQL yes, SQLite file no). */
  sharedAcrossProcesses: boolean;
  /** Change notifications reach other processes (LISTEN/NOTIFY). */
  crossProcessNotifications: boolean;
  /**
   * Several `appendAuditLinks` calls may be in flight at once and are chained in call order (SQLite: a
   * writer thread commits them in a pipeline). Otherwise a writer waits for one group before the next.
   */
  pipelinedAppends: boolean;
}

/**
 * The store. All methods are async so PostgreSQL and SQLite share one interface.
 * @example
 *   const store = await openStore({ kind: 'sqlite', path: '.bollard/bollard.db' });
 *   await store.apply([{ op: 'putAgent', agent }, { op: 'putToken', token }], [auditDraft], seal);
 *   const hit = await store.findToken(hash);
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly capabilities: StoreCapabilities;
  /** WorkOS events received, agents' subscriptions and the delivery outbox. */
  readonly webhooks: WebhookStore;
  /** Where each audit sink has got to in the chain (files, HTTP endpoints, the WorkOS mirror). */
  readonly sinkCursors: SinkCursorStore;
  /** Runs pending migrations (idempotent; PostgreSQL under an advisory lock). */
  migrate(): Promise<void>;
  close(): Promise<void>;

  getAgent(id: string): Promise<AgentRecord | null>;
  getAgentByName(name: string): Promise<AgentRecord | null>;
  listAgents(): Promise<AgentRecord[]>;
  listTokens(agentId: string): Promise<TokenRecord[]>;
  /** The token with this hash and its agent, or null. Revoked/expired tokens are returned too; the caller decides. */
  findToken(hash: string): Promise<{ token: TokenRecord; agent: AgentRecord } | null>;

  /** Operators, revoked ones included, by name. */
  listOperators(): Promise<OperatorRecord[]>;
  /** The operator whose token has this hash, revoked or not; the caller decides. */
  findOperator(hash: string): Promise<OperatorRecord | null>;
  /** Kill switches in force. */
  listFreezes(): Promise<FreezeRecord[]>;
  getApproval(id: string): Promise<ApprovalRecord | null>;
  listApprovals(query?: ApprovalQuery): Promise<ApprovalRecord[]>;

  /**
   * Applies the changes and appends the audit drafts in ONE transaction: all or nothing.
   * Returns the sealed audit records.
   */
  apply(ops: StoreOp[], audit: AuditDraft[], seal: SealFunction): Promise<AuditRecord[]>;

  /**
   * Appends audit drafts to the chain in one transaction (group commit) and returns them sealed,
   * in order. Durable when the promise resolves. Rejects if the store cannot write.
   */
  appendAudit(drafts: AuditDraft[], seal: SealFunction): Promise<AuditRecord[]>;
  /**
   * `appendAudit` with the standard seal (`sealRecord`), answering only each record's place in the chain:
   * the store's fastest path (SQLite's writer thread, PostgreSQL's one-statement append). Durable when it resolves.
   */
  appendAuditLinks?(drafts: AuditDraft[]): Promise<ChainLink[]>;
  /**
   * A port that receives the records this process's audit writer commits, once durable (messages of
   * `CommittedLines[]`): a reader on another thread (the audit sinks) gets them without reading them back.
   * Records written another way leave gaps, so a reader checks contiguity and falls back on `queryAudit`.
   * Null where the store has no such writer (PostgreSQL) or is closing.
   */
  openCommitFeed?(): MessagePort | null;
  queryAudit(query: AuditQuery): Promise<AuditRecord[]>;
  /** Streams the chain in seq order from `fromSeq` (inclusive), in pages, for export and verify. */
  scanAudit(fromSeq?: number, pageSize?: number): AsyncIterable<AuditRecord>;
  /**
   * The chain's first retained seq and its prevHash (after retention), and the last seq.
   * When nothing is retained, `firstSeq` is `lastSeq + 1` and `firstPrevHash` equals `lastHash`.
   */
  auditBounds(): Promise<{ firstSeq: number; firstPrevHash: string; lastSeq: number; lastHash: string }>;
  /**
   * Retention: removes the longest prefix of the chain whose records are all older than `before`
   * (ISO-8601, exclusive), in one transaction, and keeps the last removed record's hash as the anchor
   * that `auditBounds().firstPrevHash` reports, so the rest still verifies. `throughSeq` caps what may go:
   * records past it are kept however old (what an audit sink has not delivered yet).
   */
  pruneAudit(before: string, options?: { throughSeq?: number }): Promise<AuditPruneResult>;
  /**
   * Calls `onChange` when agents or tokens may have changed in another process, and also after a lost
   * notification connection is re-established (reload everything: a missed message must not leave a
   * stale grant). Resolves to an unsubscribe function. A no-op where `crossProcessNotifications` is false.
   */
  watchChanges(onChange: (change?: StoreChange) => void): Promise<() => Promise<void>>;
  /**
   * Rejects unless an audit record could be written right now: appends a probe record in a transaction
   * that is then rolled back, so nothing is kept. For readiness probes (call it rarely and cache it).
   */
  checkAuditWritable(): Promise<void>;
  /**
   * Finds allowed calls with no outcome record (the process that forwarded them stopped before it could
   * write one) and appends `answer(call)` for each, in ONE transaction with moving the sweep mark past
   * them: two processes sweeping at once never answer a call twice, and a crash mid-sweep loses nothing.
   * Only calls that started before `startedBefore` are looked at (a younger one may still be in flight
   * in another replica); the mark stops before the first younger call. Reads at most `limit` calls.
   */
  answerUnansweredCalls(options: UnansweredCallSweep): Promise<{ answered: AuditRecord[]; more: boolean }>;
}

/** What one sweep of `answerUnansweredCalls` needs. */
export interface UnansweredCallSweep {
  /** ISO-8601: calls that started at or after it are left for a later sweep. */
  startedBefore: string;
  /** Calls read per sweep (default 5,000). */
  limit?: number;
  /** The record that answers a call with no outcome. */
  answer(call: AuditRecord): AuditDraft;
  seal: SealFunction;
}

/** A change notification from another process; `sentAt` (epoch ms, the sender's clock) when it says. */
export interface StoreChange {
  sentAt: number | null;
}

/** What `pruneAudit` removed and the anchor it kept. */
export interface AuditPruneResult {
  removed: number;
  /** The last removed seq (0 when nothing was ever removed). */
  anchorSeq: number;
  /** Its hash: the `prevHash` of the first retained record. */
  anchorHash: string;
}

/** Where the store lives. */
export type StoreConfig =
  | {
      kind: 'sqlite';
      /** The database file, or a directory that gets `bollard.db`. */
      path: string;
      /** FULL (default) is durable across an OS crash; NORMAL only across a process crash. */
      synchronous?: 'FULL' | 'NORMAL';
      /** How long a write waits for another connection's lock before failing (default 5,000 ms). */
      busyTimeoutMs?: number;
    }
  | {
      kind: 'postgres';
      url: string;
      /** A schema to keep Bollard's tables in (created if missing); default `public`. */
      schema?: string;
      /** Pool size (default 10). */
      maxConnections?: number;
      /** Give up connecting after this long (default 5,000 ms). */
      connectTimeoutMs?: number;
      /** Cancel a statement, lock waits included, after this long (default 10,000 ms). */
      statementTimeoutMs?: number;
    };
