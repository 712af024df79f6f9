import { randomBytes } from 'node:crypto';

// Crockford base32 (no I, L, O, U): ids sort by creation time and read unambiguously aloud.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encodeBase32(value: bigint, length: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[Number(rest & 31n)] + out;
    rest >>= 5n;
  }
  return out;
}

/**
 * A ULID-shaped id with a type prefix: 48 bits of milliseconds then 80 random bits.
 * @example newId('agt') // 'agt_01J9Z3…'
 */
export function newId(prefix: 'agt' | 'tok' | 'opr' | 'apr', now: Date = new Date()): string {
  const time = encodeBase32(BigInt(now.getTime()), 10);
  const random = encodeBase32(BigInt(`0x${randomBytes(10).toString('hex')}`), 16);
  return `${prefix}_${time}${random}`;
}
