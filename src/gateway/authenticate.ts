import type { IncomingHttpHeaders } from 'node:http';
import { hashToken, isWellFormedAgentToken } from '../credentials/agent-token.js';
import { BollardError } from '../errors/index.js';
import type { Credential, CredentialCache } from './credential-cache.js';

/** Why authentication failed, kept in the audit record. */
export type AuthFailure =
  | 'missing_token'
  | 'malformed_token'
  | 'unknown_token'
  | 'revoked_token'
  | 'expired_token'
  | 'workos_key'
  | 'ambiguous_token'
  | 'pkce_without_token';

export type AuthResult =
  | { ok: true; credential: Credential }
  | {
      ok: false;
      failure: AuthFailure;
      error: BollardError;
      /** The agent a revoked or expired token belonged to: the refusal is recorded under its name. */
      agent?: Credential['agent'];
    };

const MESSAGES: Record<AuthFailure, string> = {
  missing_token:
    'No Bollard agent token: send it as "Authorization: Bearer bol_…" (the WorkOS SDK does this with the token as its API key).',
  malformed_token: 'The bearer token is not a well-formed Bollard agent token.',
  unknown_token: 'The Bollard agent token is not known.',
  revoked_token: 'The Bollard agent token has been revoked.',
  expired_token: 'The Bollard agent token has expired.',
  workos_key:
    'That is a WorkOS API key, not a Bollard agent token. Agents use Bollard tokens (bol_…) as their API key; the WorkOS key stays with Bollard. The request was not forwarded.',
  ambiguous_token:
    "Two different credentials: the bearer token and the body's client_secret differ. Send the Bollard agent token in one place, or the same token in both.",
  pkce_without_token:
    "A PKCE code exchange without a Bollard agent token. Bollard forwards only calls it can attribute to an agent: give the SDK the agent's Bollard token as its API key (it then sends it as the bearer or as client_secret). Public clients with no secret call WorkOS directly.",
};

function fail(failure: AuthFailure, agent?: Credential['agent']): AuthResult {
  const code = failure === 'ambiguous_token' ? 'invalid_request' : 'unauthorized';
  return {
    ok: false,
    failure,
    error: new BollardError(code, MESSAGES[failure], { reason: failure }),
    ...(agent ? { agent } : {}),
  };
}

/** WorkOS secret keys (`sk_test_…`, `sk_live_…`): never an agent's credential. */
function isWorkosKey(value: string): boolean {
  return value.startsWith('sk_');
}

/** The token from `Authorization: Bearer …`, or null. */
export function bearerToken(headers: IncomingHttpHeaders): string | null {
  const value = headers.authorization;
  if (!value) return null;
  const space = value.indexOf(' ');
  if (space < 0 || value.slice(0, space).toLowerCase() !== 'bearer') return null;
  const token = value.slice(space + 1).trim();
  return token || null;
}

/**
 * The agent token a call presents. Normally the bearer; on the endpoints whose body carries
 * `client_secret` (`body` given), that field too: the Python 4.x, Go, Ruby and PHP 4.x SDKs send the
 * API key only there, with no Authorization header, as WorkOS's own reference request does. A bearer
 * and a different body value are ambiguous; a WorkOS key in either place is refused outright. With no
 * token anywhere, a body with `code_verifier` is a public-client PKCE exchange, which Bollard refuses:
 * it would be a call attributed to no agent (README, "SDKs").
 */
export function presentedToken(
  headers: IncomingHttpHeaders,
  body?: Record<string, unknown>,
): { token: string } | { failure: AuthFailure } {
  const bearer = bearerToken(headers);
  const secret = typeof body?.client_secret === 'string' && body.client_secret ? body.client_secret : null;
  if ((bearer !== null && isWorkosKey(bearer)) || (secret !== null && isWorkosKey(secret)))
    return { failure: 'workos_key' };
  if (bearer !== null && secret !== null && bearer !== secret) return { failure: 'ambiguous_token' };
  const token = bearer ?? secret;
  if (token !== null) return { token };
  return { failure: body?.code_verifier !== undefined ? 'pkce_without_token' : 'missing_token' };
}

/**
 * Authenticates an agent from its token (see `presentedToken`; `body` only on endpoints whose body
 * carries `client_secret`). A malformed token or a bad checksum is refused without a store lookup.
 * Token-level revocation and rotation expiry are checked here; agent-level state (disabled, expired
 * agent) is the policy's to decide.
 */
export async function authenticate(
  headers: IncomingHttpHeaders,
  cache: CredentialCache,
  now: number,
  body?: Record<string, unknown>,
): Promise<AuthResult> {
  const token = wellFormedToken(headers, body);
  if (typeof token !== 'string') return token;
  const credential = await cache.lookup(hashToken(token)).catch((error: unknown) => {
    // The store is down: nothing can be checked or recorded, so nothing may pass (fail closed).
    throw new BollardError(
      'audit_unavailable',
      'The store cannot be read, so the token cannot be checked; nothing was forwarded.',
      {
        reason: 'store_unreadable',
      },
      undefined,
      error,
    );
  });
  return judgeCredential(credential, now);
}

/**
 * `authenticate` answered from memory alone (the fast path): the same checks in the same order, or
 * undefined when the answer needs the store (a token that is not cached).
 */
export function authenticateNow(
  headers: IncomingHttpHeaders,
  cache: Pick<CredentialCache, 'peek'>,
  now: number,
): AuthResult | undefined {
  const token = wellFormedToken(headers);
  if (typeof token !== 'string') return token;
  const credential = cache.peek(hashToken(token));
  return credential ? judgeCredential(credential, now) : undefined;
}

/** The presented token when it is well formed, or the failure. */
function wellFormedToken(headers: IncomingHttpHeaders, body?: Record<string, unknown>): string | AuthResult {
  const presented = presentedToken(headers, body);
  if ('failure' in presented) return fail(presented.failure);
  if (!isWellFormedAgentToken(presented.token)) return fail('malformed_token');
  return presented.token;
}

/** Token-level checks on what the store (or the cache) holds for the token. */
function judgeCredential(credential: Credential | null, now: number): AuthResult {
  if (!credential) return fail('unknown_token');
  if (credential.token.revokedAt !== null && Date.parse(credential.token.revokedAt) <= now)
    return fail('revoked_token', credential.agent);
  if (credential.token.expiresAt !== null && Date.parse(credential.token.expiresAt) <= now)
    return fail('expired_token', credential.agent);
  return { ok: true, credential };
}
