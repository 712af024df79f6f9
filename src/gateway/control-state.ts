import type { PolicyControls } from '../policy/index.js';
import type { FreezeRecord } from '../store/types.js';

/** The store methods the control state reads through (a structural subset, so any Store fits). */
export interface ControlSource {
  listFreezes(): Promise<FreezeRecord[]>;
}

/**
 * The operators' run-time controls (freezes) every decision takes, cached and read again after each change:
 * `invalidate()` runs in this process on every `apply`, and on other replicas through the store's change
 * notifications, always before the credential cache wakes parked calls, so their recheck sees the new state.
 */
export class ControlState {
  readonly #source: ControlSource;
  #current: PolicyControls | null = null;
  #loading: Promise<PolicyControls> | null = null;
  #generation = 0;

  constructor(source: ControlSource) {
    this.#source = source;
  }

  /** The controls now: at once when cached, else after one read of the store (shared by concurrent callers). */
  current(): PolicyControls | Promise<PolicyControls> {
    if (this.#current) return this.#current;
    this.#loading ??= this.#load().finally(() => {
      this.#loading = null;
    });
    return this.#loading;
  }

  /** Forget the cached controls: the next decision reads the store. */
  invalidate(): void {
    this.#generation++;
    this.#current = null;
  }

  async #load(): Promise<PolicyControls> {
    for (;;) {
      const generation = this.#generation;
      const controls: PolicyControls = { freezes: await this.#source.listFreezes() };
      // A change that landed while reading must not be answered with the stale read: read again.
      if (generation !== this.#generation) continue;
      this.#current = controls;
      return controls;
    }
  }
}
