import { createHash } from 'node:crypto';
import { WorkOSError } from './errors.js';
import type { Reply } from './reply.js';

// Keys expire after 24 hours (REFERENCE.md §5.5).
const KEY_LIFETIME_MS = 24 * 60 * 60 * 1000;

interface Stored {
  fingerprint: string;
  reply: Reply;
  at: number;
}

/**
 * `Idempotency-Key` on POST: the same key with the same request replays the stored response;
 * the same key with different parameters is refused with WorkOS's recorded 400.
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, Stored>();

  constructor(private readonly now: () => number) {}

  /** The stored reply to replay, or undefined when the key is new (or expired). */
  lookup(key: string, path: string, rawBody: string): Reply | undefined {
    const entry = this.entries.get(key);
    if (!entry || this.now() - entry.at > KEY_LIFETIME_MS) return undefined;
    if (entry.fingerprint !== fingerprint(path, rawBody)) {
      throw new WorkOSError(400, {
        message: `Another idempotency key (${key}) with different request parameters was found. Please use a different idempotency key.`,
      });
    }
    return entry.reply;
  }

  /** Remembers a successful reply (errors are not stored, so a corrected retry can succeed). */
  store(key: string, path: string, rawBody: string, reply: Reply): void {
    if (reply.status >= 400) return;
    this.entries.set(key, { fingerprint: fingerprint(path, rawBody), reply, at: this.now() });
  }

  clear(): void {
    this.entries.clear();
  }
}

function fingerprint(path: string, rawBody: string): string {
  return createHash('sha256').update(path).update('\n').update(canonicalBody(rawBody)).digest('hex');
}

/** JSON bodies compare by content, not key order or spacing. */
function canonicalBody(rawBody: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(rawBody)));
  } catch {
    return rawBody;
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}
