import { createHmac } from 'node:crypto';

// RFC 4648 base32, the encoding of TOTP secrets in otpauth:// URIs.
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const STEP_SECONDS = 30;
const DIGITS = 6;

export function base32Encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    const index = BASE32.indexOf(char);
    if (index < 0) continue;
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 4226 HOTP with HMAC-SHA1 and dynamic truncation. */
export function hotp(secret: Buffer, counter: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const digest = createHmac('sha1', secret).update(message).digest();
  const offset = digest[digest.length - 1] & 15;
  const binary = digest.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** DIGITS).padStart(DIGITS, '0');
}

/** RFC 6238 TOTP: 30-second steps, 6 digits, SHA-1 (what authenticator apps assume). */
export function totp(base32Secret: string, timeMs: number): string {
  return hotp(base32Decode(base32Secret), Math.floor(timeMs / 1000 / STEP_SECONDS));
}

/** Accepts the current step and one step either side, for clock drift (RFC 6238 §5.2). */
export function verifyTotp(base32Secret: string, code: string, timeMs: number): boolean {
  const step = Math.floor(timeMs / 1000 / STEP_SECONDS);
  const secret = base32Decode(base32Secret);
  return [-1, 0, 1].some((drift) => hotp(secret, step + drift) === code);
}

/** The `otpauth://` URI an authenticator app scans. */
export function otpauthUri(base32Secret: string, issuer: string, user: string): string {
  const label = encodeURIComponent(`${issuer}:${user}`);
  const params = new URLSearchParams({
    secret: base32Secret,
    issuer,
    algorithm: 'SHA1',
    digits: '6',
    period: '30',
  });
  return `otpauth://totp/${label}?${params}`;
}
