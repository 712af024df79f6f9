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
  | 'expired_token';

export type AuthResult =
  | { ok: true; credential: Credential }
  | { ok: false; failure: AuthFailure; error: BollardError };

const MESSAGES: Record<AuthFailure, string> = {
  missing_token:
    'No Bollard agent token: send it as "Authorization: Bearer bol_…" (the WorkOS SDK does this with the token as its API key).',
  malformed_token: 'The bearer token is not a well-formed Bollard agent token.',
  unknown_token: 'The Bollard agent token is not known.',
  revoked_token: 'The Bollard agent token has been revoked.',
  expired_token: 'The Bollard agent token has expired.',
};

function fail(failure: AuthFailure): AuthResult {
  return {
    ok: false,
    failure,
    error: new BollardError('unauthorized', MESSAGES[failure], { reason: failure }),
  };
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
 * Authenticates an agent from its bearer token. A malformed token or a bad checksum is refused
 * without a store lookup. Token-level revocation and rotation expiry are checked here; agent-level
 * state (disabled, expired agent) is the policy's to decide.
 */
export async function authenticate(
  headers: IncomingHttpHeaders,
  cache: CredentialCache,
  now: number,
): Promise<AuthResult> {
  const token = bearerToken(headers);
  if (token === null) return fail('missing_token');
  if (!isWellFormedAgentToken(token)) return fail('malformed_token');
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
  if (!credential) return fail('unknown_token');
  if (credential.token.revokedAt !== null && Date.parse(credential.token.revokedAt) <= now)
    return fail('revoked_token');
  if (credential.token.expiresAt !== null && Date.parse(credential.token.expiresAt) <= now)
    return fail('expired_token');
  return { ok: true, credential };
}
