import type { IncomingMessage } from 'node:http';
import type { CatalogEndpoint } from '../catalog/types.js';
import { authorize, type Decision, type PolicyControls } from '../policy/index.js';
import type { AgentRecord } from '../store/types.js';

/** What the decision may read of a call besides who makes it and what it calls. */
export interface DecisionInput {
  params: Readonly<Record<string, string>>;
  query: URLSearchParams | null;
  /** The parsed body; undefined when the call has none (or it was not read: see `fastPathBlocker`). */
  body: Record<string, unknown> | undefined;
}

/**
 * THE decision for a classified call: whether `agent` may make it now, under the operators' controls
 * (freezes). Both the full pipeline (and its re-check after a wait) and the fast path ask this function,
 * so there is one copy of the rules. A new per-call rule that can be decided synchronously from the agent,
 * the endpoint and the call belongs here; one that needs I/O or a wait must instead make the call
 * ineligible for the fast path (`fastPathBlocker`) and run in the full pipeline. The agent's restrictions
 * (pins, constraints, redaction: `scope.ts`) are asked by both paths through `scopeOf`; where they need a
 * lookup or shape the answer, the fast path hands the call to the full pipeline's `admit`.
 */
export function decideCall(
  agent: AgentRecord | null,
  endpoint: CatalogEndpoint,
  _call: DecisionInput,
  now: number,
  controls: PolicyControls,
): Decision {
  return authorize(agent, endpoint, now, controls);
}

/** Why a call must take the full pipeline; every reason is checked before the fast path has any effect. */
export type FastPathBlocker =
  | 'switched_off'
  | 'anonymous_endpoint'
  | 'token_in_body'
  | 'has_body'
  | 'resolves_keys'
  | 'limiter_async';

/** What eligibility depends on in the gateway's setup. */
export interface FastPathSetup {
  /** False forces every call through the full pipeline (config `fastPath: off`, the equivalence test). */
  fastPath?: boolean;
  /** A limiter that can decide synchronously (`checkNow`), or none. */
  limiter?: { checkNow?: unknown };
  keyResolver?: unknown;
}

/**
 * Whether a matched call may take the fast path — the single list of what makes a call unusual. The fast
 * path handles calls that are decided from memory alone: an agent's bearer token (cached), no body to read,
 * limits decided without waiting on Redis or a key lookup. Anything else — and anything added later that
 * needs I/O before the write-ahead record — returns a reason here and takes the full pipeline.
 */
export function fastPathBlocker(
  setup: FastPathSetup,
  req: IncomingMessage,
  endpoint: CatalogEndpoint,
): FastPathBlocker | null {
  if (setup.fastPath === false) return 'switched_off';
  if (endpoint.anonymous) return 'anonymous_endpoint';
  if (endpoint.apiKeyField === 'client_secret') return 'token_in_body';
  if (!hasNoBody(req)) return 'has_body';
  if (setup.keyResolver && endpoint.rateLimits.some((rule) => rule.resolve)) return 'resolves_keys';
  if (setup.limiter && typeof setup.limiter.checkNow !== 'function') return 'limiter_async';
  return null;
}

/** True when the request certainly carries no body: nothing to read before deciding. */
export function hasNoBody(req: IncomingMessage): boolean {
  const declared = req.headers['content-length'];
  return (
    declared === '0' ||
    ((req.method === 'GET' || req.method === 'DELETE') &&
      declared === undefined &&
      !req.headers['transfer-encoding'])
  );
}
