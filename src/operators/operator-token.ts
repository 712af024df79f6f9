import { hash, randomBytes } from 'node:crypto';

/**
 * Operator tokens: `bolop_` + 43 base64url characters (256 random bits). A prefix of their own, so an
 * operator token is never mistaken for an agent token (`bol_`) or the bootstrap admin token (`boladm_`).
 */
export const OPERATOR_TOKEN_PREFIX = 'bolop_';

export function generateOperatorToken(): string {
  return OPERATOR_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Hex SHA-256: the only form in which an operator token is kept. */
export function hashOperatorToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** The first characters of a token, safe to show in a list (`bolop_3xK9`). */
export function operatorTokenHint(token: string): string {
  return token.slice(0, OPERATOR_TOKEN_PREFIX.length + 4);
}
