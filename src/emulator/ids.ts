import type { RandomSource } from './random.js';

// Crockford base32, the alphabet of the 26-character ULIDs WorkOS puts after its id prefixes.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID: 48-bit millisecond time in 10 characters, then 80 random bits in 16. */
export function ulid(timeMs: number, random: RandomSource): string {
  let time = '';
  let rest = Math.max(0, Math.floor(timeMs));
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[rest % 32] + time;
    rest = Math.floor(rest / 32);
  }
  let bits = 0n;
  for (const byte of random.bytes(10)) bits = (bits << 8n) | BigInt(byte);
  let tail = '';
  for (let i = 0; i < 16; i++) {
    tail = CROCKFORD[Number(bits & 31n)] + tail;
    bits >>= 5n;
  }
  return time + tail;
}

/** Mints `prefix + ULID` ids (`user_01H…`, `org_01H…`) from the emulator clock and random source. */
export function createIdFactory(now: () => number, random: RandomSource): (prefix: string) => string {
  return (prefix) => `${prefix}${ulid(now(), random)}`;
}
