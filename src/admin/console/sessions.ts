import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { BOOTSTRAP_OPERATOR } from '../../operators/index.js';
import type { OperatorRole } from '../../store/types.js';

/** The console's session cookie: HttpOnly, SameSite=Strict, scoped to the admin port's whole path. */
export const SESSION_COOKIE = 'bollard_session';
/** The header a console request that changes state must carry, holding its session's CSRF token. */
export const CSRF_HEADER = 'x-bollard-csrf';

const SESSION_TTL_MS = 8 * 60 * 60 * 1000; // 8 hours: a working day, then sign in again
const CODE_TTL_MS = 15 * 60 * 1000; // 15 minutes: a one-time sign-in link is for now, not for later
const MAX_SESSIONS = 1000; // in memory: a bound a flood of sign-ins cannot push past
const MAX_CODES = 100;

/** Who signed a session in (or made a sign-in code): the bootstrap admin or a named operator. */
export interface SessionCaller {
  name: string;
  role: OperatorRole;
  /** `opr_…`, or null for the bootstrap admin token. */
  operatorId: string | null;
}

/** One signed-in browser. The session id itself is kept only as a hash. */
export interface ConsoleSession {
  /** The session acts as this caller, with its role. */
  caller: SessionCaller;
  /** Sent back in `x-bollard-csrf` on every request that changes state. */
  csrfToken: string;
  expiresAt: number;
}

export interface SessionOptions {
  /** Session lifetime in ms (default 8 h). */
  ttlMs?: number;
  /** One-time sign-in code lifetime in ms (default 15 min). */
  codeTtlMs?: number;
  now?: () => number;
}

/** The bootstrap admin token's caller: a demo banner's sign-in link signs in as it. */
const BOOTSTRAP_CALLER: SessionCaller = { name: BOOTSTRAP_OPERATOR, role: 'admin', operatorId: null };

const digest = (value: string) => hash('sha256', value, 'hex');

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Drops expired entries, then the oldest ones until the map is under its bound. */
function prune<T extends { expiresAt: number }>(map: Map<string, T>, now: number, max: number): void {
  for (const [key, value] of map) if (value.expiresAt <= now) map.delete(key);
  while (map.size >= max) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) break;
    map.delete(oldest);
  }
}

/**
 * Console sessions and one-time sign-in codes, in this process's memory: a restart signs every
 * browser out (sign in again with the admin token or a new link). Behind several replicas, pin the
 * console to one of them (sessions are not shared).
 * @example
 *   const sessions = createConsoleSessions();
 *   const code = sessions.issueCode(); // printed in the demo banner as a link
 *   const { id } = sessions.exchangeCode(code)!; // Set-Cookie: bollard_session=<id>
 */
export function createConsoleSessions(options: SessionOptions = {}) {
  const ttlMs = options.ttlMs ?? SESSION_TTL_MS;
  const codeTtlMs = options.codeTtlMs ?? CODE_TTL_MS;
  const now = options.now ?? Date.now;
  const sessions = new Map<string, ConsoleSession>();
  const codes = new Map<string, { expiresAt: number; caller: SessionCaller }>();

  function open(caller: SessionCaller): ConsoleSession & { id: string } {
    prune(sessions, now(), MAX_SESSIONS);
    const id = randomBytes(32).toString('base64url');
    const session = { caller, csrfToken: randomBytes(24).toString('base64url'), expiresAt: now() + ttlMs };
    sessions.set(digest(id), session);
    return { id, ...session };
  }

  return {
    ttlMs,
    /** A fresh session for a caller whose token was just checked. */
    open,
    /** A one-time code for a sign-in link, signing in as `caller`; it works once, within 15 minutes. */
    issueCode(caller: SessionCaller = BOOTSTRAP_CALLER): { code: string; expiresAt: number } {
      prune(codes, now(), MAX_CODES);
      const code = randomBytes(24).toString('base64url');
      const expiresAt = now() + codeTtlMs;
      codes.set(digest(code), { expiresAt, caller });
      return { code, expiresAt };
    },
    /** Trades a one-time code for a session; null when it is unknown, used or expired. */
    exchangeCode(code: string): (ConsoleSession & { id: string }) | null {
      const key = digest(code);
      const entry = codes.get(key);
      codes.delete(key);
      if (!entry || entry.expiresAt <= now()) return null;
      return open(entry.caller);
    },
    /** The live session a cookie value names, or null. */
    find(id: string | undefined): ConsoleSession | null {
      if (!id) return null;
      const key = digest(id);
      const session = sessions.get(key);
      if (!session) return null;
      if (session.expiresAt <= now()) {
        sessions.delete(key);
        return null;
      }
      return session;
    },
    /** Ends a session (sign-out); unknown ids are ignored. */
    close(id: string | undefined): void {
      if (id) sessions.delete(digest(id));
    },
    csrfMatches: (session: ConsoleSession, presented: string | undefined) =>
      presented !== undefined && sameSecret(session.csrfToken, presented),
  };
}

export type ConsoleSessions = ReturnType<typeof createConsoleSessions>;

/** The session cookie's value from a `Cookie` header (the last one wins, as browsers order them). */
export function sessionCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  let value: string | undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) value = part.slice(eq + 1).trim();
  }
  return value && /^[A-Za-z0-9_-]{1,100}$/.test(value) ? value : undefined;
}
