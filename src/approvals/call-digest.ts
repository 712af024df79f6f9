import { createHash } from 'node:crypto';

/**
 * What "the identical call" means: a digest of method, path, query string and body bytes, exactly as the
 * agent sent them. Headers are left out, so a retry with another `Idempotency-Key` or `User-Agent` is the
 * same call; a changed body or query is another call and needs its own approval.
 */
export function callDigest(method: string, path: string, rawQuery: string, body: Buffer): string {
  return createHash('sha256')
    .update(`${method}\n${path}\n${rawQuery}\n${body.length}\n`)
    .update(body)
    .digest('hex');
}
