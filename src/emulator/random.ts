import { createHash, randomBytes } from 'node:crypto';

/** Where every id, code and secret gets its randomness; seeded in deterministic mode. */
export interface RandomSource {
  bytes(count: number): Buffer;
  /** Seeded sources start their stream again, so a reset emulator mints the same ids as the last time. */
  restart(): void;
}

/** Real randomness, or a SHA-256 counter stream when `seed` is given (same seed → same ids and codes). */
export function createRandom(seed?: string): RandomSource {
  if (seed === undefined) return { bytes: (count) => randomBytes(count), restart: () => {} };
  let counter = 0;
  return {
    restart() {
      counter = 0;
    },
    bytes(count) {
      const out = Buffer.alloc(count);
      let filled = 0;
      while (filled < count) {
        const block = createHash('sha256').update(`${seed}:${counter++}`).digest();
        filled += block.copy(out, filled);
      }
      return out;
    },
  };
}

/** `count` decimal digits, uniform (bytes ≥ 250 are rejected to avoid modulo bias). */
export function randomDigits(random: RandomSource, count: number): string {
  let out = '';
  while (out.length < count) {
    for (const byte of random.bytes(count)) {
      if (byte < 250 && out.length < count) out += String(byte % 10);
    }
  }
  return out;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** An opaque alphanumeric token, as WorkOS uses for verification tokens and refresh tokens. */
export function randomToken(random: RandomSource, length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of random.bytes(length)) {
      if (byte < 248 && out.length < length) out += ALPHANUMERIC[byte % 62];
    }
  }
  return out;
}
