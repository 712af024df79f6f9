import { randomBytes } from 'node:crypto';

/** Type-prefixed random ids: `whs_` subscriptions, `whd_` deliveries. */
export function webhookId(prefix: 'whs' | 'whd'): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/** A subscription signing secret, `whsec_` + 32 random bytes (WorkOS's own secrets look alike). */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** What may be shown of a secret after it was issued. */
export function secretHint(secret: string): string {
  return `${secret.slice(0, 10)}…`;
}
