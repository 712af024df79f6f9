import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The file in the data directory that holds the checkpoint signing key when none is supplied. */
export const SIGNING_KEY_FILE = 'audit-signing-key.pem';

export interface SigningKey {
  privateKey: KeyObject;
  /** Where it came from (for the log; never the key itself). */
  source: string;
  /** Set when it was created at this start. */
  created: boolean;
}

/**
 * The Ed25519 key checkpoints are signed with: the operator's PEM file when `suppliedFile` is set (replicas
 * must share one), else `audit-signing-key.pem` in the data directory, created owner-only (0600) on first use.
 * @example const { privateKey } = loadSigningKey('./.bollard');
 */
export function loadSigningKey(dataDir: string, suppliedFile?: string): SigningKey {
  const file = suppliedFile ? path.resolve(suppliedFile) : path.join(dataDir, SIGNING_KEY_FILE);
  if (suppliedFile || existsSync(file)) {
    let key: KeyObject;
    try {
      key = createPrivateKey(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`cannot read the audit signing key ${file}: ${(error as Error).message}`);
    }
    if (key.asymmetricKeyType !== 'ed25519')
      throw new Error(`the audit signing key ${file} is ${key.asymmetricKeyType}, not Ed25519`);
    // A key file others can read lets them forge checkpoints: keep it the owner's alone.
    if (!suppliedFile && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return { privateKey: key, source: file, created: false };
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  return { privateKey, source: file, created: true };
}
