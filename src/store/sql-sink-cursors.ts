import type { SinkCursor, SinkCursorStore } from './sink-cursor-types.js';
import type { Row, SqlDialect } from './sql-dialect.js';

function cursorFromRow(row: Row): SinkCursor {
  return {
    name: String(row.name),
    seq: Number(row.seq),
    owner: row.owner == null ? null : String(row.owner),
    leaseUntil: row.lease_until == null ? null : String(row.lease_until),
    updatedAt: String(row.updated_at),
  };
}

/** `SinkCursorStore` in portable SQL: one row per sink in `audit_sink_cursors` (migration 7). */
export class SqlSinkCursors implements SinkCursorStore {
  constructor(private readonly dialect: SqlDialect) {}

  private p(n: number): string {
    return this.dialect.placeholder(n);
  }

  async claim(name: string, owner: string, leaseUntil: string, takeOver: boolean): Promise<number | null> {
    const now = new Date().toISOString();
    const p = (n: number) => this.p(n);
    return this.dialect.transaction(async (s) => {
      await s.execute(
        `INSERT INTO audit_sink_cursors (name, seq, owner, lease_until, updated_at)
          VALUES (${p(1)}, 0, NULL, NULL, ${p(2)}) ON CONFLICT (name) DO NOTHING`,
        [name, now],
      );
      const changed = await s.execute(
        `UPDATE audit_sink_cursors SET owner = ${p(1)}, lease_until = ${p(2)}
          WHERE name = ${p(3)} AND (${takeOver ? '1 = 1' : 'owner IS NULL'} OR owner = ${p(4)} OR lease_until < ${p(5)})`,
        [owner, leaseUntil, name, owner, now],
      );
      if (changed === 0) return null;
      const [row] = await s.query(`SELECT seq FROM audit_sink_cursors WHERE name = ${p(1)}`, [name]);
      return Number(row?.seq ?? 0);
    });
  }

  async advance(name: string, owner: string, seq: number, leaseUntil: string): Promise<boolean> {
    const p = (n: number) => this.p(n);
    const changed = await this.dialect.transaction((s) =>
      s.execute(
        `UPDATE audit_sink_cursors SET seq = ${p(1)}, lease_until = ${p(2)}, updated_at = ${p(3)}
          WHERE name = ${p(4)} AND owner = ${p(5)}`,
        [seq, leaseUntil, new Date().toISOString(), name, owner],
      ),
    );
    return changed > 0;
  }

  async list(): Promise<SinkCursor[]> {
    const rows = await this.dialect.read((s) => s.query('SELECT * FROM audit_sink_cursors ORDER BY name'));
    return rows.map(cursorFromRow);
  }
}
