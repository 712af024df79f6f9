import pg from 'pg';

/**
 * A libpq-style multi-host connection string, which node-postgres does not read itself:
 * `postgres://user@db1:5432,db2:5432/bollard?target_session_attrs=read-write` is two candidate servers,
 * and with `read-write` only one that accepts writes (a primary, not a standby) is kept.
 */
export interface HostCandidates {
  /** One single-host URL per candidate, in the order given. */
  urls: string[];
  /** `target_session_attrs=read-write` (or `primary`): refuse a server in recovery. */
  readWrite: boolean;
}

const READ_WRITE_ATTRS = new Set(['read-write', 'primary']);

/** Splits a connection string's host list; a single host gives one candidate. */
export function parseHostCandidates(url: string): HostCandidates {
  const match = /^(postgres(?:ql)?:\/\/)([^/?#]*@)?([^/?#]*)(.*)$/.exec(url);
  if (!match) return { urls: [url], readWrite: false };
  const [, scheme = '', auth = '', hosts = '', rest = ''] = match;
  const query = rest.indexOf('?');
  const params = new URLSearchParams(query < 0 ? '' : rest.slice(query + 1));
  const attrs = params.get('target_session_attrs');
  params.delete('target_session_attrs');
  const path = query < 0 ? rest : rest.slice(0, query);
  const search = params.toString();
  const urls = hosts
    .split(',')
    .filter((host) => host !== '')
    .map((host) => `${scheme}${auth}${host}${path}${search ? `?${search}` : ''}`);
  return { urls: urls.length > 0 ? urls : [url], readWrite: attrs !== null && READ_WRITE_ATTRS.has(attrs) };
}

/** Thrown when a candidate server is a standby while a read-write session is wanted. */
export class ReadOnlyServerError extends Error {
  override readonly name = 'ReadOnlyServerError';
  readonly code = 'BOLLARD_READ_ONLY_SERVER';
  constructor() {
    super('the server is a standby (in recovery); trying the next host of the connection string');
  }
}

/**
 * The `pg.Client` class to connect with, and the pool hook that checks a new connection. Each new
 * connection goes to the candidate that last worked; one that fails to connect or turns out to be a
 * standby moves the choice to the next, so after a primary change the next connection finds the new one.
 * Calls meanwhile fail as any store outage does (503 `audit_unavailable`): nothing is forwarded unrecorded.
 */
export function failoverConnections(candidates: HostCandidates): {
  Client: typeof pg.Client;
  /** For `pg.Pool`'s `onConnect`, and after a dedicated client's connect. */
  check(client: pg.ClientBase): Promise<void>;
} {
  if (candidates.urls.length === 1 && !candidates.readWrite)
    return { Client: pg.Client, check: async () => undefined }; // one server: node-postgres as it is
  let current = 0;
  const skip = (from: number) => {
    if (current === from) current = (from + 1) % candidates.urls.length;
  };
  class FailoverClient extends pg.Client {
    readonly candidate: number;
    constructor(config?: string | pg.ClientConfig) {
      const chosen = current;
      const base = typeof config === 'string' ? {} : (config ?? {});
      super({ ...base, connectionString: candidates.urls[chosen] });
      this.candidate = chosen;
      // A server that cannot be reached: the next connection tries the next candidate.
      this.once('error', () => skip(chosen));
    }
    // pg-pool connects with a callback, direct users with a promise: both are served.
    override connect(): Promise<pg.Client>;
    override connect(callback: (err: Error | null, client?: pg.Client) => void): void;
    override connect(
      callback?: (err: Error | null, client?: pg.Client) => void,
    ): Promise<pg.Client> | undefined {
      const done = super.connect().catch((error: unknown) => {
        skip(this.candidate);
        throw error;
      });
      if (!callback) return done;
      done.then(
        () => callback(null, this),
        (error: Error) => callback(error),
      );
      return undefined;
    }
  }
  return {
    Client: FailoverClient as unknown as typeof pg.Client,
    async check(client: pg.ClientBase) {
      if (!candidates.readWrite) return;
      const { rows } = await client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
      if (rows[0]?.standby) {
        skip((client as unknown as FailoverClient).candidate);
        throw new ReadOnlyServerError();
      }
    },
  };
}
