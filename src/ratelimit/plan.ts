import type { RateLimitRule } from '../catalog/types.js';
import { readFirstValue, readValue } from '../catalog/value-source.js';
import type { LimitReason, LimitRequest } from './types.js';
import type { TakePlan } from './window-store.js';

/** WorkOS's overall limit (REFERENCE.md §4.4): 6,000 requests per 60 s per API key. */
export const DEFAULT_GENERAL_LIMIT: RateLimitRule = {
  id: 'general',
  limit: 6000,
  windowSeconds: 60,
  scope: 'api_key',
  key: [],
  description: '6,000 requests / 60 s per API key',
};

/** Fair shares count anonymous calls (JWKS, browser redirects) as one more participant under this name. */
export const ANONYMOUS_AGENT = '~anonymous';

/** What a bucket stands for, to explain a refusal. */
export interface BucketLabel {
  rule: string;
  scope: string;
  scopeValue: string | null;
  limit: number;
  windowSeconds: number;
  reason: LimitReason;
}

export interface PlannedCall {
  plan: TakePlan;
  /** One label per `plan.buckets` entry. */
  labels: BucketLabel[];
  /** Label for a refusal by the fair-share stage; null when there is no general budget. */
  general: BucketLabel | null;
}

export interface PlanSettings {
  generalLimit: RateLimitRule | null;
  reserveFraction: number;
  windowGuardMs: number;
  newcomerFraction: number;
}

/**
 * The value a rule's bucket is keyed by, or null when the rule counts per API key or the request lacks it (and
 * it was not resolved). Emails are lower-cased and trimmed because WorkOS treats addresses case-insensitively:
 * `A@x.io` and `a@x.io` share one counter there, so they must here.
 */
export function scopeValueFor(
  rule: RateLimitRule,
  req: Pick<LimitRequest, 'params' | 'query' | 'body' | 'resolvedKeys'>,
) {
  if (rule.key.length === 0) return null;
  const value = readFirstValue(rule.key, req) ?? req.resolvedKeys?.[rule.id] ?? null;
  if (value === null) return null;
  return rule.scope === 'email' ? value.trim().toLowerCase() : value;
}

/** Whether a call that names no key value still counts under the rule (`keylessWhen`; by default it does). */
export function countsKeyless(rule: RateLimitRule, req: Pick<LimitRequest, 'params' | 'query' | 'body'>) {
  if (!rule.keylessWhen) return true;
  const value = readValue(rule.keylessWhen.source, req);
  return value !== null && rule.keylessWhen.values.includes(value);
}

/**
 * The buckets one call must fit in: each of the endpoint's WorkOS rules keyed by its scope value, the agent's
 * quotas, and the general budget less the reserve, split fairly.
 *
 * A rule is never skipped because its key is missing: a call that does not name its scope value (nor anything
 * it could be resolved from) counts in one bucket per rule id (`rule:<id>`), shared by every such call —
 * stricter than WorkOS, never looser. Otherwise leaving the key out, or spelling it in a way Bollard does not
 * read, would dodge the limit. Only a rule that says which keyless calls it counts (`keylessWhen`: authenticate
 * counts per email for password grants and per challenge for TOTP grants, and a refresh-token grant carries
 * neither) is skipped by the keyless calls it does not name. The general and AuthKit budgets apply to every call.
 */
export function planCall(req: LimitRequest, settings: PlanSettings): PlannedCall {
  const windowMs = (seconds: number) => seconds * 1000 + settings.windowGuardMs;
  const plan: TakePlan = { buckets: [], fairShare: null };
  const labels: BucketLabel[] = [];
  for (const rule of req.endpoint.rateLimits) {
    const scopeValue = scopeValueFor(rule, req);
    if (scopeValue === null && rule.key.length > 0 && !countsKeyless(rule, req)) continue;
    const key = scopeValue === null ? `rule:${rule.id}` : `rule:${rule.id}:${rule.scope}:${scopeValue}`;
    plan.buckets.push({ key, limit: rule.limit, windowMs: windowMs(rule.windowSeconds) });
    labels.push({ ...ruleLabel(rule), scopeValue });
  }
  const agent = req.agentId ?? ANONYMOUS_AGENT;
  const quotas = [
    { id: 'quota.per_minute', limit: req.agentQuota?.perMinute, windowSeconds: 60 },
    { id: 'quota.per_day', limit: req.agentQuota?.perDay, windowSeconds: 86_400 },
  ];
  for (const quota of quotas) {
    if (quota.limit === undefined || req.agentId === null) continue;
    plan.buckets.push({
      key: `${quota.id}:${agent}`,
      limit: quota.limit,
      windowMs: windowMs(quota.windowSeconds),
    });
    labels.push({
      rule: quota.id,
      scope: 'agent',
      scopeValue: agent,
      limit: quota.limit,
      windowSeconds: quota.windowSeconds,
      reason: 'agent_quota',
    });
  }
  const general = settings.generalLimit;
  if (!general) return { plan, labels, general: null };
  const budget = Math.max(1, Math.floor(general.limit * (1 - settings.reserveFraction)));
  plan.fairShare = {
    poolKey: `general:${general.id}`,
    budget,
    windowMs: windowMs(general.windowSeconds),
    agentId: agent,
    weight: req.agentWeight > 0 ? req.agentWeight : 1,
    headroom: Math.floor(budget * settings.newcomerFraction),
  };
  return { plan, labels, general: { ...ruleLabel(general), limit: budget, scopeValue: null } };
}

function ruleLabel(rule: RateLimitRule): BucketLabel {
  return {
    rule: rule.id,
    scope: rule.scope,
    scopeValue: null,
    limit: rule.limit,
    windowSeconds: rule.windowSeconds,
    reason: 'workos_limit',
  };
}
