import { GENESIS_HASH } from './chain.js';
import type { ColumnTypes, Migration, SqlSession } from './sql-dialect.js';
import { webhookMigrations } from './webhook-schema.js';

/**
 * Bollard's schema, written once over dialect column types. New versions are appended, never
 * edited: a database that ran version N must reach N+1 by the next entry alone.
 */
export function buildMigrations(t: ColumnTypes, auditAppend: readonly string[] = []): Migration[] {
  return [
    {
      version: 1,
      name: 'agents, tokens, audit chain',
      statements: [
        `CREATE TABLE agents (
          id ${t.text} PRIMARY KEY,
          name ${t.text} NOT NULL UNIQUE,
          description ${t.text} NOT NULL,
          grants ${t.text} NOT NULL,
          enabled ${t.boolean} NOT NULL,
          expires_at ${t.text},
          weight ${t.real} NOT NULL,
          quota ${t.text},
          created_at ${t.text} NOT NULL,
          updated_at ${t.text} NOT NULL
        )`,
        `CREATE TABLE tokens (
          id ${t.text} PRIMARY KEY,
          agent_id ${t.text} NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
          hash ${t.text} NOT NULL,
          hint ${t.text} NOT NULL,
          created_at ${t.text} NOT NULL,
          expires_at ${t.text},
          revoked_at ${t.text}
        )`,
        'CREATE UNIQUE INDEX tokens_hash ON tokens (hash)',
        'CREATE INDEX tokens_agent ON tokens (agent_id)',
        `CREATE TABLE audit (
          seq ${t.bigint} PRIMARY KEY,
          kind ${t.text} NOT NULL,
          time ${t.text} NOT NULL,
          request_id ${t.text} NOT NULL,
          agent_id ${t.text},
          agent_name ${t.text},
          endpoint_id ${t.text},
          area ${t.text},
          access ${t.text},
          permission ${t.text},
          decision ${t.text},
          reason ${t.text},
          rule ${t.text},
          method ${t.text},
          path ${t.text},
          organization_id ${t.text},
          resource_ids ${t.text} NOT NULL,
          status ${t.integer},
          upstream_status ${t.integer},
          upstream_request_id ${t.text},
          latency_ms ${t.real},
          upstream_latency_ms ${t.real},
          bytes_in ${t.bigint},
          bytes_out ${t.bigint},
          client_ip ${t.text},
          user_agent ${t.text},
          details ${t.text} NOT NULL,
          prev_hash ${t.text} NOT NULL,
          hash ${t.text} NOT NULL
        )`,
        // One index per AuditQuery filter; seq second so "filter, newest first, limit n" reads in index order.
        'CREATE INDEX audit_time ON audit (time)',
        'CREATE INDEX audit_kind ON audit (kind, seq)',
        'CREATE INDEX audit_agent ON audit (agent_id, seq)',
        'CREATE INDEX audit_decision ON audit (decision, seq)',
        'CREATE INDEX audit_area ON audit (area, seq)',
        'CREATE INDEX audit_endpoint ON audit (endpoint_id, seq)',
        'CREATE INDEX audit_status ON audit (status, seq)',
        'CREATE INDEX audit_organization ON audit (organization_id, seq)',
        'CREATE INDEX audit_request ON audit (request_id)',
        // The chain head: one row that every append locks, and the anchor retention leaves behind.
        `CREATE TABLE audit_head (
          id ${t.integer} PRIMARY KEY CHECK (id = 1),
          last_seq ${t.bigint} NOT NULL,
          last_hash ${t.text} NOT NULL,
          anchor_seq ${t.bigint} NOT NULL,
          anchor_hash ${t.text} NOT NULL
        )`,
        `INSERT INTO audit_head (id, last_seq, last_hash, anchor_seq, anchor_hash)
          VALUES (1, 0, '${GENESIS_HASH}', 0, '${GENESIS_HASH}')`,
      ],
    },
    ...webhookMigrations(t),
    {
      version: 3,
      name: 'fewer audit indexes',
      // Every call writes an audit row, and each index is one more B-tree to update on that hot path
      // (measured: 9 indexes cost 0.32 ms of CPU per sequential append, 3 indexes 0.23 ms). Queries by
      // agent, time and request id keep their index; rarer filters (kind, decision, area, endpoint, status,
      // organization) walk the chain backwards by seq until they have a page.
      statements: [
        'DROP INDEX IF EXISTS audit_kind',
        'DROP INDEX IF EXISTS audit_decision',
        'DROP INDEX IF EXISTS audit_area',
        'DROP INDEX IF EXISTS audit_endpoint',
        'DROP INDEX IF EXISTS audit_status',
        'DROP INDEX IF EXISTS audit_organization',
      ],
    },
    {
      version: 4,
      name: 'audit append in one statement',
      // PostgreSQL: a function that reads, extends and writes the chain head server-side, so a group of
      // records costs one round trip and the head's row lock is never held across the network. SQLite: none.
      statements: [...auditAppend],
    },
    {
      version: 5,
      name: 'per-agent MCP tool mode',
      // Null follows the server default (BOLLARD_MCP_TOOLS); existing agents keep it.
      statements: [`ALTER TABLE agents ADD COLUMN mcp_tools ${t.text}`],
    },
    {
      version: 6,
      name: 'operators, approvals, freezes',
      statements: [
        // JSON list of { selector, approvals }; null for none.
        `ALTER TABLE agents ADD COLUMN approve ${t.text}`,
        `CREATE TABLE operators (
          id ${t.text} PRIMARY KEY,
          name ${t.text} NOT NULL UNIQUE,
          role ${t.text} NOT NULL,
          hash ${t.text} NOT NULL UNIQUE,
          hint ${t.text} NOT NULL,
          created_at ${t.text} NOT NULL,
          created_by ${t.text} NOT NULL,
          revoked_at ${t.text}
        )`,
        `CREATE TABLE freezes (
          scope ${t.text} PRIMARY KEY,
          agent_name ${t.text},
          writes_only ${t.boolean} NOT NULL,
          reason ${t.text} NOT NULL,
          created_at ${t.text} NOT NULL,
          created_by ${t.text} NOT NULL
        )`,
        `CREATE TABLE approvals (
          id ${t.text} PRIMARY KEY,
          agent_id ${t.text} NOT NULL,
          agent_name ${t.text} NOT NULL,
          endpoint_id ${t.text} NOT NULL,
          method ${t.text} NOT NULL,
          path ${t.text} NOT NULL,
          digest ${t.text} NOT NULL,
          policy_version ${t.text} NOT NULL,
          selector ${t.text} NOT NULL,
          required ${t.integer} NOT NULL,
          status ${t.text} NOT NULL,
          decisions ${t.text} NOT NULL,
          request ${t.text} NOT NULL,
          request_id ${t.text} NOT NULL,
          created_at ${t.text} NOT NULL,
          expires_at ${t.text} NOT NULL,
          used_at ${t.text},
          revision ${t.integer} NOT NULL
        )`,
        'CREATE INDEX approvals_call ON approvals (agent_id, digest)',
        'CREATE INDEX approvals_status ON approvals (status, created_at)',
      ],
    },
    {
      version: 7,
      name: 'audit sink cursors',
      // One row per sink (file, HTTP endpoint, WorkOS mirror): the last seq it delivered, and a lease so only
      // one replica sends a sink's records at a time. The records themselves stay in the audit table.
      statements: [
        `CREATE TABLE audit_sink_cursors (
          name ${t.text} PRIMARY KEY,
          seq ${t.bigint} NOT NULL,
          owner ${t.text},
          lease_until ${t.text},
          updated_at ${t.text} NOT NULL
        )`,
      ],
    },
    {
      version: 8,
      name: 'sweep mark for calls with no outcome',
      // Every allowed call at or below through_seq has an outcome record (its own, or outcome_unknown
      // written by a sweep), so a sweep at start-up reads only what came after the previous one.
      statements: [
        `CREATE TABLE audit_sweep (
          id ${t.integer} PRIMARY KEY CHECK (id = 1),
          through_seq ${t.bigint} NOT NULL
        )`,
        'INSERT INTO audit_sweep (id, through_seq) VALUES (1, 0)',
      ],
    },
    {
      version: 9,
      name: 'agent restrictions below the area',
      // Organization pins, argument constraints and redaction, as JSON; null for agents without any.
      statements: [`ALTER TABLE agents ADD COLUMN restrictions ${t.text}`],
    },
  ];
}

export const SCHEMA_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

type Transaction = <T>(work: (session: SqlSession) => Promise<T>) => Promise<T>;

/** Applies each migration not yet recorded in `schema_migrations`, each in its own transaction. */
export async function applyPendingMigrations(
  transaction: Transaction,
  migrations: readonly Migration[],
): Promise<void> {
  await transaction((session) => session.execute(SCHEMA_MIGRATIONS_TABLE));
  for (const migration of migrations) {
    await transaction(async (session) => {
      const done = await session.query(
        `SELECT version FROM schema_migrations WHERE version = ${migration.version}`,
      );
      if (done.length > 0) return;
      for (const statement of migration.statements) await session.execute(statement);
      const name = migration.name.replaceAll("'", "''");
      await session.execute(
        `INSERT INTO schema_migrations (version, name, applied_at)
          VALUES (${migration.version}, '${name}', '${new Date().toISOString()}')`,
      );
    });
  }
}
