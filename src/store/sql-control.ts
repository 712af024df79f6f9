import { StoreError } from './errors.js';
import {
  APPROVAL_COLUMNS,
  approvalFromRow,
  approvalRowValues,
  FREEZE_COLUMNS,
  freezeFromRow,
  freezeRowValues,
  OPERATOR_COLUMNS,
  operatorFromRow,
  operatorRowValues,
} from './rows.js';
import type { SqlDialect, SqlSession } from './sql-dialect.js';
import type { ApprovalQuery, ApprovalRecord, FreezeRecord, OperatorRecord, StoreOp } from './types.js';

/** The ops of `apply` that change operators, freezes and approvals. */
export type ControlOp = Extract<
  StoreOp,
  { op: 'putOperator' | 'revokeOperator' | 'putFreeze' | 'deleteFreeze' | 'putApproval' | 'voidApprovals' }
>;

const CONTROL_OPS = new Set<string>([
  'putOperator',
  'revokeOperator',
  'putFreeze',
  'deleteFreeze',
  'putApproval',
  'voidApprovals',
]);

export function isControlOp(op: StoreOp): op is ControlOp {
  return CONTROL_OPS.has(op.op);
}

const MAX_APPROVALS_PAGE = 1000;

/**
 * Operators, kill switches and approval requests over a `SqlDialect`: the reads, and the writes that
 * `SqlStore.apply` runs inside its transaction (so each change commits with its audit record and, on
 * PostgreSQL, notifies every replica).
 */
export class SqlControl {
  constructor(private readonly dialect: SqlDialect) {}

  private p(n: number): string {
    return this.dialect.placeholder(n);
  }

  async listOperators(): Promise<OperatorRecord[]> {
    const rows = await this.dialect.read((s) => s.query('SELECT * FROM operators ORDER BY name'));
    return rows.map(operatorFromRow);
  }

  async findOperator(hash: string): Promise<OperatorRecord | null> {
    const rows = await this.dialect.read((s) =>
      s.query(`SELECT * FROM operators WHERE hash = ${this.p(1)}`, [hash]),
    );
    return rows[0] ? operatorFromRow(rows[0]) : null;
  }

  async listFreezes(): Promise<FreezeRecord[]> {
    const rows = await this.dialect.read((s) => s.query('SELECT * FROM freezes ORDER BY scope'));
    return rows.map(freezeFromRow);
  }

  async getApproval(id: string): Promise<ApprovalRecord | null> {
    const rows = await this.dialect.read((s) =>
      s.query(`SELECT * FROM approvals WHERE id = ${this.p(1)}`, [id]),
    );
    return rows[0] ? approvalFromRow(rows[0]) : null;
  }

  async listApprovals(query: ApprovalQuery = {}): Promise<ApprovalRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (column: string, value: unknown) => {
      params.push(value);
      where.push(`${column} = ${this.p(params.length)}`);
    };
    if (query.status) add('status', query.status);
    if (query.agentId) add('agent_id', query.agentId);
    if (query.digest) add('digest', query.digest);
    const limit = Math.min(Math.max(1, query.limit ?? 100), MAX_APPROVALS_PAGE);
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const rows = await this.dialect.read((s) =>
      s.query(`SELECT * FROM approvals ${clause} ORDER BY created_at DESC, id DESC LIMIT ${limit}`, params),
    );
    return rows.map(approvalFromRow);
  }

  async applyOp(s: SqlSession, op: ControlOp): Promise<void> {
    const p = (n: number) => this.p(n);
    switch (op.op) {
      case 'putOperator':
        await this.upsert(s, 'operators', 'id', OPERATOR_COLUMNS, operatorRowValues(op.operator));
        return;
      case 'revokeOperator':
        return expectChanged(
          await s.execute(
            `UPDATE operators SET revoked_at = COALESCE(revoked_at, ${p(1)}) WHERE id = ${p(2)}`,
            [op.at, op.operatorId],
          ),
          op.operatorId,
        );
      case 'putFreeze':
        await this.upsert(
          s,
          'freezes',
          'scope',
          FREEZE_COLUMNS,
          freezeRowValues(op.freeze, this.dialect.booleanAsInteger),
        );
        return;
      case 'deleteFreeze':
        return expectChanged(
          await s.execute(`DELETE FROM freezes WHERE scope = ${p(1)}`, [op.scope]),
          op.scope,
        );
      case 'putApproval':
        return this.putApproval(s, op.approval, op.expectRevision);
      case 'voidApprovals':
        await s.execute(
          `UPDATE approvals SET status = 'void', revision = revision + 1
            WHERE agent_id = ${p(1)} AND status IN ('pending', 'approved')`,
          [op.agentId],
        );
        return;
    }
  }

  private async putApproval(s: SqlSession, approval: ApprovalRecord, expectRevision?: number) {
    const values = approvalRowValues(approval);
    if (expectRevision === undefined) {
      const placeholders = values.map((_, i) => this.p(i + 1)).join(', ');
      await s.execute(
        `INSERT INTO approvals (${APPROVAL_COLUMNS.join(', ')}) VALUES (${placeholders})`,
        values,
      );
      return;
    }
    const sets = APPROVAL_COLUMNS.slice(1).map((column, i) => `${column} = ${this.p(i + 1)}`);
    const changed = await s.execute(
      `UPDATE approvals SET ${sets.join(', ')} WHERE id = ${this.p(sets.length + 1)} AND revision = ${this.p(sets.length + 2)}`,
      [...values.slice(1), approval.id, expectRevision],
    );
    // Another decision (or the call's own use) landed first: the caller reads again and decides again.
    if (changed === 0) throw new StoreError('conflict', `approval ${approval.id} changed meanwhile`);
  }

  private upsert(
    s: SqlSession,
    table: string,
    key: string,
    columns: readonly string[],
    values: unknown[],
  ): Promise<number> {
    const updates = columns.filter((c) => c !== key).map((c) => `${c} = excluded.${c}`);
    const placeholders = values.map((_, i) => this.p(i + 1)).join(', ');
    return s.execute(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders})
        ON CONFLICT (${key}) DO UPDATE SET ${updates.join(', ')}`,
      values,
    );
  }
}

function expectChanged(changed: number, id: string): void {
  if (changed === 0) throw new StoreError('not_found', `no such record: ${id}`);
}
