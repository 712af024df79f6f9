import type { AgentRecord, TokenRecord } from '../store/types.js';

/** The store methods the cache reads through: a structural subset, so any Store fits. */
export interface CredentialSource {
  findToken(hash: string): Promise<{ token: TokenRecord; agent: AgentRecord } | null>;
}

export type Credential = { token: TokenRecord; agent: AgentRecord };

const MAX_ENTRIES = 10_000;

/**
 * Token hash → credential, read through to the store. Revocation, disabling and expiry take effect on
 * the next call because (1) expiry and revocation times are checked on every call by the caller, and
 * (2) every change to agents or tokens calls `invalidate()` — in this process directly, from other
 * replicas through the store's change notifications. Unknown hashes are not cached (an attacker could
 * fill the cache with them); well-formed but unknown tokens always cost one indexed lookup.
 */
export class CredentialCache {
  readonly #source: CredentialSource;
  #entries = new Map<string, Credential>();
  #generation = 0;
  readonly #listeners = new Set<() => void>();

  constructor(source: CredentialSource) {
    this.#source = source;
  }

  /** The cached credential for `hash`, without reading the store (the fast path; undefined when not cached). */
  peek(hash: string): Credential | undefined {
    return this.#entries.get(hash);
  }

  async lookup(hash: string): Promise<Credential | null> {
    const cached = this.#entries.get(hash);
    if (cached) return cached;
    const generation = this.#generation;
    const found = await this.#source.findToken(hash);
    // A change that landed while we were reading must not be overwritten by the stale read.
    if (found && generation === this.#generation) {
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
      this.#entries.set(hash, found);
    }
    return found;
  }

  /** Forget everything; the next calls read the store again, and every subscriber is told at once. */
  invalidate(): void {
    this.#generation++;
    this.#entries = new Map();
    for (const listener of [...this.#listeners]) listener();
  }

  /**
   * Calls `listener` on every change to agents, grants or tokens (this replica's or another's), until the
   * returned function is called. Calls parked for a rate limit subscribe so a revocation wakes them at once.
   */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** How many subscribers are listening now (calls parked inside Bollard). */
  get subscribers(): number {
    return this.#listeners.size;
  }
}
