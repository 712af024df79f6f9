/**
 * The small surface a SQL database offers the shared store core (`SqlStore`). Each backend
 * (`sqlite/`, `postgres/`) provides one; the differences between them live here as data and
 * hooks, never as `if (kind === …)` in the core.
 */

import type { MessagePort } from 'node:worker_threads';
import type { AuditDraft, ChainLink, StoreChange } from './types.js';

export type Row = Record<string, unknown>;

/** One connection inside a transaction, or a pooled one outside it. */
export interface SqlSession {
  /** Runs a statement that returns rows. */
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a statement and returns how many rows it changed. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** A migration: ordered, numbered, each applied once in its own transaction. */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** Column types the shared schema is written in, spelled per dialect. */
export interface ColumnTypes {
  text: string;
  integer: string;
  bigint: string;
  real: string;
  boolean: string;
}

export interface SqlDialect {
  readonly kind: 'sqlite' | 'postgres';
  readonly types: ColumnTypes;
  /** `?` for SQLite, `$n` for PostgreSQL. */
  placeholder(n: number): string;
  /** SQLite has no boolean type and better-sqlite3 refuses to bind JS booleans. */
  readonly booleanAsInteger: boolean;
  /** Appended to the chain-head SELECT to hold it until commit (`FOR UPDATE`, or '' where the whole write is serialised). */
  readonly lockClause: string;
  /** Runs `work` outside a transaction. */
  read<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  /** Runs `work` in one transaction: commit when it resolves, roll back when it throws. */
  transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  /** Runs inside the transaction of a change to agents or tokens (PostgreSQL: NOTIFY). */
  announceChange(session: SqlSession): Promise<void>;
  /** Applies pending migrations, serialised against other processes where that can happen. */
  migrate(migrations: readonly Migration[]): Promise<void>;
  /** Turns a driver error into a `StoreError` where it is the caller's mistake; else returns it unchanged. */
  translateError(error: unknown): unknown;
  watchChanges(onChange: (change?: StoreChange) => void): Promise<() => Promise<void>>;
  /**
   * Extends the audit chain with the standard seal, if the dialect has a faster way than a transaction
   * on the shared connection (SQLite: a writer thread; PostgreSQL: one statement). Durable when it resolves.
   */
  appendAudit?(drafts: readonly AuditDraft[]): Promise<ChainLink[]>;
  /** Statements of the migration that adds what `appendAudit` needs in the database (none by default). */
  readonly auditMigration?: readonly string[];
  /** See `Store.openCommitFeed` (SQLite's writer thread only). */
  openCommitFeed?(): MessagePort | null;
  close(): Promise<void>;
}
