import type { JsonObject } from './json.js';

/** A scripted failure for the next `count` requests whose path matches. */
export interface Fault {
  /** Exact path, or a prefix when it ends with `*` or `/` (e.g. `/organizations/*`). */
  path: string;
  method?: string;
  count: number;
  status?: number;
  body?: JsonObject;
  delayMs?: number;
  /** Destroy the socket without answering. */
  drop?: boolean;
}

/** Faults waiting to fire, first registered first. */
export class FaultInjector {
  private faults: Fault[] = [];

  add(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  /** The fault this request consumes, if any. */
  take(method: string, path: string): Fault | undefined {
    const fault = this.faults.find((f) => f.count > 0 && matches(f, method, path));
    if (!fault) return undefined;
    fault.count--;
    this.faults = this.faults.filter((f) => f.count > 0);
    return fault;
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  clear(): void {
    this.faults = [];
  }
}

function matches(fault: Fault, method: string, path: string): boolean {
  if (fault.method && fault.method.toUpperCase() !== method) return false;
  if (fault.path.endsWith('*')) return path.startsWith(fault.path.slice(0, -1));
  if (fault.path.endsWith('/')) return path.startsWith(fault.path);
  return path === fault.path || path.startsWith(`${fault.path}/`);
}
