/**
 * Path-template helpers shared by the matcher, the lookups and the build step.
 * Two templates are the same endpoint when they differ only in parameter names
 * (`/organizations/{id}` and `/organizations/{organizationId}`).
 */

/** `/organizations/{organizationId}/roles` → `/organizations/{}/roles` */
export function normalizeTemplate(path: string): string {
  return path.replace(/\{[^}/]*\}/g, '{}');
}

/** `DELETE /organizations/{}`: one key per endpoint, whatever its parameters are called. */
export function templateKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${normalizeTemplate(path)}`;
}

/** True for a `{param}` template segment. */
export function isParamSegment(segment: string): boolean {
  return segment.length > 2 && segment.startsWith('{') && segment.endsWith('}');
}

/** The parameter names of a template, in order. */
export function paramNames(path: string): string[] {
  return path
    .split('/')
    .filter(isParamSegment)
    .map((segment) => segment.slice(1, -1));
}

/**
 * A map keyed by `templateKey`, written with readable `METHOD /path/{name}` keys.
 * @example keyedByTemplate({ 'DELETE /organizations/{id}': true }).get('DELETE /organizations/{}') // true
 */
export function keyedByTemplate<T>(entries: Record<string, T>): ReadonlyMap<string, T> {
  return new Map(
    Object.entries(entries).map(([key, value]) => {
      const [method = '', path = ''] = key.split(' ');
      return [templateKey(method, path), value] as const;
    }),
  );
}
