/** Path parameter names in template order: `/organizations/{id}/roles/{slug}` → `id`, `slug`. */
export function pathParams(template: string): string[] {
  return [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
}
