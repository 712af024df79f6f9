import { randomBytes } from 'node:crypto';

/** Crockford's base32, lower case: digits before letters, so ids sort as their times do. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const TIME_CHARS = 10; // 50 bits of milliseconds: until the year 37,648
const RANDOM_CHARS = 16; // 80 random bits
/** Random bytes drawn 256 ids at a time: one randomBytes call costs about as much as 256 lookups here. */
const POOL_BYTES = RANDOM_CHARS * 256;

let pool = randomBytes(POOL_BYTES);
let used = 0;

/**
 * Bollard request ids: `req_` + the time in milliseconds (10 base32 characters) + 80 random bits
 * (16 characters). Time-ordered, so the audit's request-id index grows at its end instead of dirtying a
 * random page per row; still unguessable. The random part comes from a pooled buffer of CSPRNG bytes.
 * @example newRequestId() // 'req_01jf3k9z2m' + 16 random characters
 */
export function newRequestId(now: number = Date.now()): string {
  if (used + RANDOM_CHARS > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    used = 0;
  }
  let time = '';
  let t = Math.max(0, Math.floor(now));
  for (let i = 0; i < TIME_CHARS; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let random = '';
  for (let i = 0; i < RANDOM_CHARS; i++) random += ALPHABET[(pool[used++] as number) & 31];
  return `req_${time}${random}`;
}
