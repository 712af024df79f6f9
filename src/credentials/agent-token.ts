import { hash, randomBytes } from 'node:crypto';

/**
 * Agent tokens: `bol_` + 43 base62 characters (32 random bytes) + 6 base62 characters of checksum.
 * The checksum (CRC-32 of the body) lets Bollard refuse a mistyped or made-up token without a store
 * lookup. Tokens are stored only as their SHA-256 (`hashToken`).
 */

const PREFIX = 'bol_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_LENGTH = 43; // ceil(256 bits / log2(62) bits per character)
const CHECKSUM_LENGTH = 6; // 62^6 > 2^32
export const AGENT_TOKEN_LENGTH = PREFIX.length + BODY_LENGTH + CHECKSUM_LENGTH;
const TOKEN_SHAPE = /^bol_[0-9A-Za-z]{49}$/;

function toBase62(value: bigint, length: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(rest % 62n)] + out;
    rest /= 62n;
  }
  return out;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function checksumOf(body: string): string {
  return toBase62(BigInt(crc32(body)), CHECKSUM_LENGTH);
}

/** A new random agent token. Show it once; store only `hashToken(token)`. */
export function generateAgentToken(): string {
  const body = toBase62(BigInt(`0x${randomBytes(32).toString('hex')}`), BODY_LENGTH);
  return PREFIX + body + checksumOf(body);
}

/** True when the string has the token's shape and a correct checksum. Costs no store lookup. */
export function isWellFormedAgentToken(token: string): boolean {
  if (token.length !== AGENT_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) return false;
  const body = token.slice(PREFIX.length, PREFIX.length + BODY_LENGTH);
  return token.slice(PREFIX.length + BODY_LENGTH) === checksumOf(body);
}

/** Hex SHA-256 of the token: what the store keeps. One-shot `crypto.hash` (measured ~3× faster than createHash). */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** The part of a token that is safe to show in lists and logs (`bol_3xK9…`). */
export function tokenHint(token: string): string {
  return `${token.slice(0, PREFIX.length + 4)}…`;
}
