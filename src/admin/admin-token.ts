import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Admin tokens: `boladm_` + 43 base64url characters. Their own prefix, so an admin token can never be
 * mistaken for an agent token (`bol_`) by a person, a secret scanner or Bollard itself.
 */
export const ADMIN_TOKEN_PREFIX = 'boladm_';
const HASH_FILE = 'admin-token.sha256';

/** A fresh admin token: 256 random bits in base64url (43 characters). */
export function generateAdminToken(): string {
  return ADMIN_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Hex SHA-256: the only form in which an admin token is kept. */
export function hashAdminToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** Constant-time check of a presented token against the stored hash. */
export function adminTokenMatches(presented: string, storedHash: string): boolean {
  const actual = Buffer.from(hashAdminToken(presented), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export interface AdminTokenState {
  hash: string;
  /** Set only when the token was generated now: print it once, it is not kept anywhere. */
  generated: string | null;
  source: 'environment' | 'data-dir' | 'generated';
}

/**
 * The admin token's hash: from `configured` (BOLLARD_ADMIN_TOKEN) when given, else the hash kept in
 * `<dataDir>/admin-token.sha256`, else a new token whose hash is written there (mode 0600). An agent
 * token (`bol_…`) is refused as an admin token.
 * @example const admin = await ensureAdminToken({ dataDir: '.bollard', configured: config.adminToken });
 *   if (admin.generated) console.log(`admin token (shown once): ${admin.generated}`);
 */
export async function ensureAdminToken(options: {
  dataDir: string;
  configured?: string;
  /** Make a new token even when a hash is kept (demo mode prints a working token at every start). */
  regenerate?: boolean;
}): Promise<AdminTokenState> {
  if (options.configured) {
    if (options.configured.startsWith('bol_')) {
      throw new Error(
        'BOLLARD_ADMIN_TOKEN looks like an agent token (bol_…); an agent token is never an admin token',
      );
    }
    return { hash: hashAdminToken(options.configured), generated: null, source: 'environment' };
  }
  const file = join(options.dataDir, HASH_FILE);
  const kept = await readFile(file, 'utf8').catch(() => null);
  if (!options.regenerate && kept && /^[0-9a-f]{64}$/.test(kept.trim()))
    return { hash: kept.trim(), generated: null, source: 'data-dir' };
  const token = generateAdminToken();
  await mkdir(options.dataDir, { recursive: true });
  await writeFile(file, `${hashAdminToken(token)}\n`, { mode: 0o600 });
  return { hash: hashAdminToken(token), generated: token, source: 'generated' };
}
