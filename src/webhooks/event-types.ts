import { type CatalogEvent, events as catalogEvents } from '../catalog/index.js';
import { type Grants, grantsAllow } from '../policy/index.js';

/**
 * Event-type patterns: a name (`user.created`) or a prefix ending in `*` (`dsync.*`, `*`). They
 * expand through the catalog's events, each of which names the area an agent must be able to read.
 */
export function patternMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

export function matchesAny(patterns: readonly string[], name: string): boolean {
  return patterns.some((pattern) => patternMatches(pattern, name));
}

/** The catalog events a pattern stands for (empty: it names nothing Bollard knows). */
export function expandPattern(
  pattern: string,
  known: readonly CatalogEvent[] = catalogEvents,
): CatalogEvent[] {
  return known.filter((event) => patternMatches(pattern, event.name));
}

/** The area whose read permission an event needs, or null for an event the catalog does not know (never delivered). */
export function eventArea(name: string, known: readonly CatalogEvent[] = catalogEvents): string | null {
  return known.find((event) => event.name === name)?.area ?? null;
}

export interface PatternProblem {
  pattern: string;
  /** `unknown_event`: matches no catalog event; `missing_permission`: the agent cannot read an area it covers. */
  reason: 'unknown_event' | 'missing_permission';
  /** The permissions missing (`directory_sync:read`), for `missing_permission`. */
  permissions: string[];
}

/** What stops these grants from subscribing to these patterns; empty when nothing does. */
export function subscriptionProblems(grants: Grants, patterns: readonly string[]): PatternProblem[] {
  const problems: PatternProblem[] = [];
  for (const pattern of patterns) {
    const expanded = expandPattern(pattern);
    if (expanded.length === 0) {
      problems.push({ pattern, reason: 'unknown_event', permissions: [] });
      continue;
    }
    const missing = [...new Set(expanded.map((event) => `${event.area}:read`))]
      .filter((permission) => !grantsAllow(grants, permission))
      .sort();
    if (missing.length > 0) problems.push({ pattern, reason: 'missing_permission', permissions: missing });
  }
  return problems;
}
