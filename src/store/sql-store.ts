import type { MessagePort } from 'node:worker_threads';
import { sealRecord } from '../audit/seal.js';
import { buildAuditSelect } from './audit-query.js';
import {
  type ChainHead,
  type EncodedRecord,
  encodeDrafts,
  GENESIS_HASH,
  normalizeDraft,
  recordOfEncoded,
} from './chain.js';
import { StoreError } from './errors.js';
import {
  AGENT_COLUMNS,
  AUDIT_COLUMNS,
  agentFromRow,
  agentRowValues,
  auditFromRow,
  TOKEN_COLUMNS,
  tokenFromJoinedRow,
  tokenFromRow,
  tokenRowValues,
} from './rows.js';
import { buildMigrations } from './schema.js';
import type { SinkCursorStore } from './sink-cursor-types.js';
import { isControlOp, SqlControl } from './sql-control.js';
import type { SqlDialect, SqlSession } from './sql-dialect.js';
import { SqlSinkCursors } from './sql-sink-cursors.js';
import { SqlWebhookStore } from './sql-webhook-store.js';
import type {
  AgentRecord,
  ApprovalQuery,
  ApprovalRecord,
  AuditDraft,
  AuditPruneResult,
  AuditQuery,
  AuditRecord,
  ChainLink,
  FreezeRecord,
  OperatorRecord,
  SealFunction,
  Store,
  StoreCapabilities,
  StoreChange,
  StoreOp,
  TokenRecord,
  UnansweredCallSweep,
} from './types.js';
import type { WebhookStore } from './webhook-types.js';

const DEFAULT_SCAN_PAGE = 500;
const DEFAULT_SWEEP_CALLS = 5000;

/** The record `checkAuditWritable` appends and rolls back; normalizeDraft fills the rest with null. */
const PROBE_DRAFT = {
  kind: 'system',
  time: '1970-01-01T00:00:00.000Z',
  requestId: 'readiness-probe',
} as AuditDraft;

/**
 * The `Store` written once in portable SQL over a `SqlDialect`. Every audit append reads and
 * advances the one-row `audit_head` inside the same transaction as the inserts, so seq and
 * prevHash are assigned in a single serial order whatever the number of writers (see the dialects
 * for how each serialises).
 */
export class SqlStore implements Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly webhooks: WebhookStore;
  private readonly control: SqlControl;
  readonly sinkCursors: SinkCursorStore;
  private auditInsertSql: string | undefined;

  constructor(
    private readonly dialect: SqlDialect,
    readonly capabilities: StoreCapabilities,
  ) {
    this.kind = dialect.kind;
    this.webhooks = new SqlWebhookStore(dialect);
    this.control = new SqlControl(dialect);
    this.sinkCursors = new SqlSinkCursors(dialect);
  }

  listOperators(): Promise<OperatorRecord[]> {
    return this.control.listOperators();
  }

  findOperator(hash: string): Promise<OperatorRecord | null> {
    return this.control.findOperator(hash);
  }

  listFreezes(): Promise<FreezeRecord[]> {
    return this.control.listFreezes();
  }

  getApproval(id: string): Promise<ApprovalRecord | null> {
    return this.control.getApproval(id);
  }

  listApprovals(query?: ApprovalQuery): Promise<ApprovalRecord[]> {
    return this.control.listApprovals(query);
  }

  migrate(): Promise<void> {
    return this.dialect.migrate(buildMigrations(this.dialect.types, this.dialect.auditMigration));
  }

  close(): Promise<void> {
    return this.dialect.close();
  }

  watchChanges(onChange: (change?: StoreChange) => void): Promise<() => Promise<void>> {
    return this.dialect.watchChanges(onChange);
  }

  async checkAuditWritable(): Promise<void> {
    // A transaction on the shared connection that takes the chain head lock and inserts into the audit table
    // (constraints, triggers, disk and server as a real append meets them), then rolls back.
    const rolledBack = new Error('audit write probe rolled back');
    try {
      await this.write(async (s) => {
        await this.appendInTransaction(s, [PROBE_DRAFT], () => GENESIS_HASH);
        throw rolledBack;
      });
    } catch (error) {
      if (error !== rolledBack) throw error;
    }
  }

  private p(n: number): string {
    return this.dialect.placeholder(n);
  }

  async getAgent(id: string): Promise<AgentRecord | null> {
    const rows = await this.dialect.read((s) =>
      s.query(`SELECT * FROM agents WHERE id = ${this.p(1)}`, [id]),
    );
    return rows[0] ? agentFromRow(rows[0]) : null;
  }

  async getAgentByName(name: string): Promise<AgentRecord | null> {
    const rows = await this.dialect.read((s) =>
      s.query(`SELECT * FROM agents WHERE name = ${this.p(1)}`, [name]),
    );
    return rows[0] ? agentFromRow(rows[0]) : null;
  }

  async listAgents(): Promise<AgentRecord[]> {
    const rows = await this.dialect.read((s) => s.query('SELECT * FROM agents ORDER BY name'));
    return rows.map(agentFromRow);
  }

  async listTokens(agentId: string): Promise<TokenRecord[]> {
    const rows = await this.dialect.read((s) =>
      s.query(`SELECT * FROM tokens WHERE agent_id = ${this.p(1)} ORDER BY created_at, id`, [agentId]),
    );
    return rows.map(tokenFromRow);
  }

  async findToken(hash: string): Promise<{ token: TokenRecord; agent: AgentRecord } | null> {
    const tokenColumns = TOKEN_COLUMNS.map((c) => `t.${c} AS t_${c}`).join(', ');
    const rows = await this.dialect.read((s) =>
      s.query(
        `SELECT a.*, ${tokenColumns} FROM tokens t JOIN agents a ON a.id = t.agent_id WHERE t.hash = ${this.p(1)}`,
        [hash],
      ),
    );
    const row = rows[0];
    return row ? { token: tokenFromJoinedRow(row), agent: agentFromRow(row) } : null;
  }

  async apply(ops: StoreOp[], audit: AuditDraft[], seal: SealFunction): Promise<AuditRecord[]> {
    return this.write(async (s) => {
      for (const op of ops) await this.applyOp(s, op);
      if (ops.length > 0) await this.dialect.announceChange(s);
      return audit.length > 0 ? (await this.appendInTransaction(s, audit, seal)).map(recordOfEncoded) : [];
    });
  }

  async appendAudit(drafts: AuditDraft[], seal: SealFunction): Promise<AuditRecord[]> {
    if (drafts.length === 0) return [];
    if (this.dialect.appendAudit && seal === sealRecord) {
      const links = await this.appendAuditLinks(drafts);
      return drafts.map((draft, i) => ({ ...normalizeDraft(draft), ...(links[i] as ChainLink) }));
    }
    return (await this.write((s) => this.appendInTransaction(s, drafts, seal))).map(recordOfEncoded);
  }

  openCommitFeed(): MessagePort | null {
    return this.dialect.openCommitFeed?.() ?? null;
  }

  /** The dialect's fast path where it has one (a writer thread, one statement); else one transaction here. */
  async appendAuditLinks(drafts: readonly AuditDraft[]): Promise<ChainLink[]> {
    if (drafts.length === 0) return [];
    if (!this.dialect.appendAudit) return this.write((s) => this.appendInTransaction(s, drafts, sealRecord));
    try {
      return await this.dialect.appendAudit(drafts);
    } catch (error) {
      throw this.dialect.translateError(error);
    }
  }

  async queryAudit(query: AuditQuery): Promise<AuditRecord[]> {
    const select = buildAuditSelect(query, (n) => this.p(n));
    const rows = await this.dialect.read((s) =>
      s.query(
        `SELECT * FROM audit ${select.where} ORDER BY seq ${select.order} LIMIT ${select.limit}`,
        select.params,
      ),
    );
    return rows.map(auditFromRow);
  }

  async *scanAudit(fromSeq = 1, pageSize = DEFAULT_SCAN_PAGE): AsyncIterable<AuditRecord> {
    let next = fromSeq;
    for (;;) {
      const rows = await this.dialect.read((s) =>
        s.query(`SELECT * FROM audit WHERE seq >= ${this.p(1)} ORDER BY seq LIMIT ${Math.max(1, pageSize)}`, [
          next,
        ]),
      );
      for (const row of rows) yield auditFromRow(row);
      if (rows.length < pageSize) return;
      next = Number(rows[rows.length - 1]?.seq) + 1;
    }
  }

  async auditBounds(): Promise<{
    firstSeq: number;
    firstPrevHash: string;
    lastSeq: number;
    lastHash: string;
  }> {
    const rows = await this.dialect.read((s) => s.query('SELECT * FROM audit_head WHERE id = 1'));
    const head = rows[0];
    if (!head) throw new Error('audit_head is missing: the store was not migrated');
    return {
      firstSeq: Number(head.anchor_seq) + 1,
      firstPrevHash: String(head.anchor_hash),
      lastSeq: Number(head.last_seq),
      lastHash: String(head.last_hash),
    };
  }

  async pruneAudit(before: string, options: { throughSeq?: number } = {}): Promise<AuditPruneResult> {
    return this.write(async (s) => {
      const [head] = await s.query(`SELECT * FROM audit_head WHERE id = 1 ${this.dialect.lockClause}`);
      if (!head) throw new Error('audit_head is missing: the store was not migrated');
      const lastSeq = Number(head.last_seq);
      const kept = { removed: 0, anchorSeq: Number(head.anchor_seq), anchorHash: String(head.anchor_hash) };
      // Whole segments only: stop before the first record that is young enough to keep, even if
      // later records are older (clocks of several replicas need not agree).
      // Walk in seq order and stop at the first young record: the cost is the old part, which goes
      // anyway. `time || ''` keeps both planners off the time index, which would visit every young record.
      const [first] = await s.query(
        `SELECT seq FROM audit WHERE time || '' >= ${this.p(1)} ORDER BY seq LIMIT 1`,
        [before],
      );
      const lastRemoved = Math.min(
        first?.seq == null ? lastSeq : Number(first.seq) - 1,
        options.throughSeq ?? Number.POSITIVE_INFINITY,
      );
      if (lastRemoved <= kept.anchorSeq) return kept;
      const [anchor] = await s.query(`SELECT hash FROM audit WHERE seq = ${this.p(1)}`, [lastRemoved]);
      const anchorHash = String(anchor?.hash);
      const removed = await s.execute(`DELETE FROM audit WHERE seq <= ${this.p(1)}`, [lastRemoved]);
      await s.execute(
        `UPDATE audit_head SET anchor_seq = ${this.p(1)}, anchor_hash = ${this.p(2)} WHERE id = 1`,
        [lastRemoved, anchorHash],
      );
      return { removed, anchorSeq: lastRemoved, anchorHash };
    });
  }

  async answerUnansweredCalls(
    sweep: UnansweredCallSweep,
  ): Promise<{ answered: AuditRecord[]; more: boolean }> {
    const limit = Math.max(1, sweep.limit ?? DEFAULT_SWEEP_CALLS);
    return this.write(async (s) => {
      // The sweep row's lock serialises sweepers; the chain head is locked only to append.
      const [mark] = await s.query(
        `SELECT through_seq FROM audit_sweep WHERE id = 1 ${this.dialect.lockClause}`,
      );
      if (!mark) throw new Error('audit_sweep is missing: the store was not migrated');
      const [head] = await s.query('SELECT last_seq FROM audit_head WHERE id = 1');
      const from = Number(mark.through_seq);
      const calls = await s.query(
        `SELECT c.*, (SELECT COUNT(*) FROM audit o WHERE o.request_id = c.request_id AND o.kind = 'outcome')
            AS outcomes
          FROM audit c WHERE c.seq > ${this.p(1)} AND c.kind = 'call' AND c.decision = 'allow'
          ORDER BY c.seq LIMIT ${limit}`,
        [from],
      );
      let through = calls.length < limit ? Number(head?.last_seq ?? from) : Number(calls.at(-1)?.seq);
      const unanswered: AuditRecord[] = [];
      for (const row of calls) {
        if (String(row.time) >= sweep.startedBefore) {
          through = Number(row.seq) - 1;
          break;
        }
        if (Number(row.outcomes) === 0) unanswered.push(auditFromRow(row));
      }
      const appended =
        unanswered.length > 0
          ? await this.appendInTransaction(s, unanswered.map(sweep.answer), sweep.seal)
          : [];
      if (through > from)
        await s.execute(`UPDATE audit_sweep SET through_seq = ${this.p(1)} WHERE id = 1`, [through]);
      return {
        answered: appended.map(recordOfEncoded),
        more: calls.length === limit && through === Number(calls.at(-1)?.seq),
      };
    });
  }

  private async write<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    try {
      return await this.dialect.transaction(work);
    } catch (error) {
      throw this.dialect.translateError(error);
    }
  }

  /**
   * Reads the head under the write lock, seals after it and inserts row by row through ONE statement
   * text (prepared once per connection; a multi-row INSERT would need a new statement per batch size
   * and, in SQLite, a statement journal per commit).
   */
  private async appendInTransaction(
    s: SqlSession,
    drafts: readonly AuditDraft[],
    seal: SealFunction,
  ): Promise<EncodedRecord[]> {
    const [row] = await s.query(
      `SELECT last_seq, last_hash FROM audit_head WHERE id = 1 ${this.dialect.lockClause}`,
    );
    if (!row) throw new Error('audit_head is missing: the store was not migrated');
    const head: ChainHead = { seq: Number(row.last_seq), hash: String(row.last_hash) };
    const records = encodeDrafts(drafts, head, seal);
    const insert = this.auditInsert;
    for (const record of records) await s.execute(insert, record.values);
    const last = records[records.length - 1];
    if (last) {
      await s.execute(
        `UPDATE audit_head SET last_seq = ${this.p(1)}, last_hash = ${this.p(2)} WHERE id = 1`,
        [last.seq, last.hash],
      );
    }
    return records;
  }

  private get auditInsert(): string {
    this.auditInsertSql ??= `INSERT INTO audit (${AUDIT_COLUMNS.map(([c]) => c).join(', ')}) VALUES (${AUDIT_COLUMNS.map((_, i) => this.p(i + 1)).join(', ')})`;
    return this.auditInsertSql;
  }

  private upsert(
    s: SqlSession,
    table: string,
    columns: readonly string[],
    values: unknown[],
  ): Promise<number> {
    const updates = columns.filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`);
    const placeholders = values.map((_, i) => this.p(i + 1)).join(', ');
    return s.execute(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders})
        ON CONFLICT (id) DO UPDATE SET ${updates.join(', ')}`,
      values,
    );
  }

  private async applyOp(s: SqlSession, op: StoreOp): Promise<void> {
    if (isControlOp(op)) return this.control.applyOp(s, op);
    const p = (n: number) => this.p(n);
    switch (op.op) {
      case 'putAgent':
        await this.upsert(
          s,
          'agents',
          AGENT_COLUMNS,
          agentRowValues(op.agent, this.dialect.booleanAsInteger),
        );
        return;
      case 'putToken':
        await this.upsert(s, 'tokens', TOKEN_COLUMNS, tokenRowValues(op.token));
        return;
      case 'deleteAgent':
        // Tokens go with the agent (ON DELETE CASCADE).
        return expectChanged(
          await s.execute(`DELETE FROM agents WHERE id = ${p(1)}`, [op.agentId]),
          op.agentId,
        );
      case 'revokeToken':
        // The first revocation time stands; revoking again changes nothing but is not an error.
        return expectChanged(
          await s.execute(`UPDATE tokens SET revoked_at = COALESCE(revoked_at, ${p(1)}) WHERE id = ${p(2)}`, [
            op.at,
            op.tokenId,
          ]),
          op.tokenId,
        );
      case 'expireToken':
        // An expiry only ever moves earlier, so a late rotation cannot extend an old token's life.
        return expectChanged(
          await s.execute(
            `UPDATE tokens SET expires_at = CASE WHEN expires_at IS NULL OR expires_at > ${p(1)}
              THEN ${p(2)} ELSE expires_at END WHERE id = ${p(3)}`,
            [op.at, op.at, op.tokenId],
          ),
          op.tokenId,
        );
    }
  }
}

function expectChanged(changed: number, id: string): void {
  if (changed === 0) throw new StoreError('not_found', `no such record: ${id}`);
}
