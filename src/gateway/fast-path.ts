import type { ServerResponse } from 'node:http';
import { NO_CONTROLS } from '../policy/index.js';
import type { CallFacts } from './audit-entry.js';
import { authenticateNow } from './authenticate.js';
import {
  admit,
  authorizeCall,
  deny,
  denyDecision,
  denyUnknownEndpoint,
  forwardAllowed,
  heldForApproval,
  limitRequest,
  type ReadBody,
  scopeOf,
} from './call-steps.js';
import { fastPathBlocker } from './decide.js';
import { passed } from './limits.js';
import { type NormalizedRequest, normalize } from './normalize.js';
import { UNOBSERVED } from './observe.js';
import type { GatewayDeps } from './pipeline.js';

const NO_BODY: ReadBody = { raw: Buffer.alloc(0), body: { type: 'none', value: undefined } };

/**
 * The common case without a single wait before the write-ahead record: a matched endpoint (or a path that is
 * none, which is denied as soon as the caller is known), an agent
 * token found in the credential cache, the operators' controls cached, no body, a limiter that answers
 * from memory. It runs the full
 * pipeline's own steps in the same order — `normalize`, the token checks of `authenticate`, the anonymous
 * guard, `decideCall`, the limiter's take — synchronously, then records and forwards through the same
 * `forwardAllowed`; denials go through the same `deny`.
 *
 * Returns null, having changed nothing, when the call is not for it (`fastPathBlocker`, a path that does
 * not classify, a token or controls not cached): the full pipeline then handles the call from the start.
 * Once it has a verdict on the token it is committed, and every later turn is the shared code's: a limit
 * that says wait hands the call to the full pipeline's `admit`, which waits and re-checks as usual.
 */
export function tryFastPath(deps: GatewayDeps, facts: CallFacts, res: ServerResponse): Promise<void> | null {
  if (deps.fastPath === false) return null;
  const { req } = facts;
  let normalized: NormalizedRequest;
  try {
    normalized = normalize(req.method, req.url, req.headers, deps.match);
  } catch {
    return null;
  }
  const { match } = normalized;
  // A path that is no endpoint is denied once the caller is known: nothing about it needs the full pipeline.
  const endpoint = match.kind === 'match' ? match.endpoint : null;
  if (match.kind === 'invalid' || (endpoint && fastPathBlocker(deps, req, endpoint) !== null)) return null;
  const observation = facts.observation ?? UNOBSERVED;
  const authStarted = observation.clock();
  const auth = authenticateNow(req.headers, deps.credentials, deps.now());
  // A token or the operators' controls not in memory: the store must be read, in the full pipeline.
  if (auth === undefined) return null;
  const controls = endpoint ? deps.controls.current() : NO_CONTROLS;
  if (controls instanceof Promise) {
    // The full pipeline awaits this same read (and answers its failure); it must not go unhandled meanwhile.
    controls.catch(() => undefined);
    return null;
  }

  // Committed: the facts are filled exactly as the full pipeline fills them.
  facts.path = normalized.path;
  facts.query = new URLSearchParams(normalized.rawQuery);
  facts.details = { query: deps.summarizeQuery(facts.query) };
  if (endpoint && match.kind === 'match') {
    facts.endpoint = endpoint;
    facts.params = match.params;
  }
  const refusal = deps.anonymous?.refusal(req, res, undefined);
  if (refusal) {
    const reason = String(refusal.fields.reason);
    return deny(deps, facts, res, refusal, reason, `guard:${reason}`);
  }
  observation.stage('authenticate', authStarted, !auth.ok);
  if (!auth.ok) {
    facts.agent = auth.agent ?? null;
    return deny(deps, facts, res, auth.error, auth.failure, `auth:${auth.failure}`);
  }
  facts.agent = auth.credential.agent;
  deps.anonymous?.trust(req.socket);
  if (!endpoint) return denyUnknownEndpoint(deps, facts, res);

  const decision = authorizeCall(deps, facts, endpoint, controls);
  const call = { normalized, endpoint, decision, read: NO_BODY };
  if (!decision.allow)
    // A call held for an operator's approval waits: the full pipeline's road does that.
    return heldForApproval(deps, decision)
      ? admit(deps, facts, res, call)
      : denyDecision(deps, facts, res, decision, endpoint);

  // Restrictions (pins, constraints, redaction) may need a lookup or shape the answer: the full road.
  const scoped = scopeOf(deps, facts, endpoint);
  if (scoped instanceof Promise || !scoped.ok || scoped.scope !== null)
    return admit(deps, facts, res, call, scoped);
  const checkNow = deps.limiter?.checkNow;
  if (!checkNow) return forwardAllowed(deps, facts, res, call, { limits: null, scope: null, approval: null });
  const waitStarted = observation.clock();
  const verdict = checkNow(limitRequest(facts, endpoint, undefined));
  // A refusal took nothing: the full pipeline's limit step asks again, and waits or refuses as it does.
  if (!verdict.allow) return admit(deps, facts, res, call, scoped);
  observation.stage('limit_wait', waitStarted);
  return forwardAllowed(deps, facts, res, call, { limits: passed(verdict), scope: null, approval: null });
}
