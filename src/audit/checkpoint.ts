import {
  createPrivateKey,
  createPublicKey,
  hash,
  type KeyObject,
  sign as signBytes,
  verify as verifyBytes,
} from 'node:crypto';
import { canonicalJson } from './seal.js';

/** The request id every checkpoint record carries in the chain (indexed: the newest is one lookup away). */
export const CHECKPOINT_REQUEST_ID = 'audit-checkpoint';

/**
 * A signed statement of the chain's head: "record `seq` has hash `hash`", signed with Ed25519. Kept outside
 * the machine (a sink, a file, an object store), it proves later that the log still holds everything up to
 * `seq` unchanged: deleting the newest rows, even with the head row rewritten to match, is detected.
 */
export interface Checkpoint {
  /** Format version. */
  v: 1;
  /** The seq of the chain head signed. */
  seq: number;
  /** That record's hash. */
  hash: string;
  /** When it was signed (ISO-8601). */
  time: string;
  /** The checkpoint before this one, by its head seq and the SHA-256 of its canonical JSON; null for the first. */
  previous: { seq: number; digest: string } | null;
  /** Which key signed: the first 16 hex characters of the SHA-256 of the raw public key. */
  keyId: string;
  algorithm: 'Ed25519';
  /** Base64 Ed25519 signature over the canonical JSON of every other field. */
  signature: string;
}

/** What the admin API needs of checkpoint signing. */
export interface AuditCheckpoints {
  publicKey: KeyObject;
  /** Signs the head now (or answers the newest checkpoint when nothing was written since). */
  checkpoint(): Promise<Checkpoint | null>;
}

export type UnsignedCheckpoint = Omit<Checkpoint, 'signature' | 'keyId' | 'algorithm' | 'v'>;

/** The raw 32-byte Ed25519 public key inside an SPKI DER encoding. */
function rawPublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(-32);
}

/** The short id a checkpoint names its key by. */
export function keyIdOf(publicKey: KeyObject): string {
  return hash('sha256', rawPublicKey(publicKey), 'hex').slice(0, 16);
}

/** The pinned keys by the id checkpoints name them by, computed once for a whole file of checkpoints. */
export function pinnedKeys(keys: readonly KeyObject[]): ReadonlyMap<string, KeyObject> {
  return new Map(keys.map((key) => [keyIdOf(key), key]));
}

/** What is signed: every field but the signature, in canonical JSON. */
function signedBytes(checkpoint: Omit<Checkpoint, 'signature'>): Buffer {
  return Buffer.from(canonicalJson(checkpoint, 'signature'));
}

/**
 * Signs the head with the private key.
 * @example const cp = signCheckpoint({ seq: 10, hash, time: new Date().toISOString(), previous: null }, key);
 */
export function signCheckpoint(head: UnsignedCheckpoint, privateKey: KeyObject): Checkpoint {
  const publicKey = createPublicKey(privateKey);
  const body: Omit<Checkpoint, 'signature'> = {
    v: 1,
    seq: head.seq,
    hash: head.hash,
    time: head.time,
    previous: head.previous,
    keyId: keyIdOf(publicKey),
    algorithm: 'Ed25519',
  };
  return { ...body, signature: signBytes(null, signedBytes(body), privateKey).toString('base64') };
}

/** The digest the next checkpoint's `previous` names this one by. */
export function checkpointDigest(checkpoint: Checkpoint): string {
  return hash('sha256', canonicalJson(checkpoint), 'hex');
}

/**
 * Why a checkpoint is not trusted, or null when its signature verifies with the pinned key it names.
 * `pinned` maps key ids to keys (`pinnedKeys`): after a rotation older checkpoints name the old key.
 */
export function checkpointProblem(
  checkpoint: Checkpoint,
  pinned: ReadonlyMap<string, KeyObject>,
): string | null {
  if (!isCheckpoint(checkpoint)) return 'it is not a checkpoint (v, seq, hash, time, keyId, signature)';
  const publicKey = pinned.get(checkpoint.keyId);
  if (!publicKey)
    return `it was signed by key ${checkpoint.keyId}, not by the pinned key${pinned.size === 1 ? '' : 's'} ${[...pinned.keys()].join(', ')}`;
  let ok = false;
  try {
    ok = verifyBytes(null, signedBytes(checkpoint), publicKey, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    ok = false;
  }
  return ok ? null : 'its signature does not verify: the checkpoint was altered or forged';
}

/** True when the value has a checkpoint's fields (not that it is genuine: see `checkpointProblem`). */
export function isCheckpoint(value: unknown): value is Checkpoint {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    c.v === 1 &&
    Number.isSafeInteger(c.seq) &&
    typeof c.hash === 'string' &&
    typeof c.time === 'string' &&
    typeof c.keyId === 'string' &&
    typeof c.signature === 'string'
  );
}

/**
 * A public key from what an operator pins: a PEM (SPKI) text, or the base64 of the raw 32-byte key.
 * @example parsePublicKey(readFileSync('bollard-audit.pub', 'utf8'))
 */
export function parsePublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  if (trimmed.includes('-----BEGIN')) {
    const key = trimmed.includes('PRIVATE KEY')
      ? createPublicKey(createPrivateKey(trimmed))
      : createPublicKey(trimmed);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('the key is not an Ed25519 key');
    return key;
  }
  const raw = Buffer.from(trimmed, 'base64');
  if (raw.length !== 32)
    throw new Error('expected a PEM public key or the base64 of a raw 32-byte Ed25519 key');
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
    format: 'jwk',
  });
}

/** The public key as PEM and as base64 of the raw key, with its id: what `bollard audit public-key` prints. */
export function describePublicKey(publicKey: KeyObject): {
  keyId: string;
  algorithm: 'Ed25519';
  pem: string;
  raw: string;
} {
  return {
    keyId: keyIdOf(publicKey),
    algorithm: 'Ed25519',
    pem: String(publicKey.export({ format: 'pem', type: 'spki' })),
    raw: rawPublicKey(publicKey).toString('base64'),
  };
}
