import { AREA_NAMES } from './areas.js';
import { ENDPOINTS } from './data/endpoints.js';
import { EVENTS } from './events.js';
import { templateKey } from './template.js';
import type { Access, CatalogEndpoint, CatalogEvent } from './types.js';

const BY_ID = new Map(ENDPOINTS.map((endpoint) => [endpoint.id, endpoint]));
const BY_TEMPLATE = new Map(
  ENDPOINTS.map((endpoint) => [templateKey(endpoint.method, endpoint.path), endpoint]),
);

/** @example getEndpoint('organizations.delete')?.path // '/organizations/{id}' */
export function getEndpoint(id: string): CatalogEndpoint | undefined {
  return BY_ID.get(id);
}

/**
 * Looks an endpoint up by method and template; parameter names do not matter.
 * @example findByTemplate('DELETE', '/organizations/{organizationId}')?.id // 'organizations.delete'
 */
export function findByTemplate(method: string, template: string): CatalogEndpoint | undefined {
  return BY_TEMPLATE.get(templateKey(method, template));
}

/** Criteria for `filterEndpoints`; every given one must hold. */
export interface EndpointFilter {
  area?: string;
  method?: string;
  access?: Access;
  /** The exact permission an endpoint requires (`organizations:write`). */
  permission?: string;
  /** Case-insensitive text found in the path or the summary. */
  search?: string;
}

/** @example filterEndpoints({ area: 'organizations', access: 'write' }).map((e) => e.id) */
export function filterEndpoints(filter: EndpointFilter): CatalogEndpoint[] {
  const method = filter.method?.toUpperCase();
  const search = filter.search?.toLowerCase();
  return ENDPOINTS.filter(
    (endpoint) =>
      (!filter.area || endpoint.area === filter.area) &&
      (!method || endpoint.method === method) &&
      (!filter.access || endpoint.access === filter.access) &&
      (!filter.permission || endpoint.permission === filter.permission) &&
      (!search ||
        endpoint.path.toLowerCase().includes(search) ||
        endpoint.summary.toLowerCase().includes(search)),
  );
}

/** The webhook events an agent with read access to `area` may receive. */
export function eventsForArea(area: string): CatalogEvent[] {
  return EVENTS.filter((event) => event.area === area);
}

/** Every permission the catalog knows, `AREA:read` and `AREA:write` per area. */
export const PERMISSIONS: readonly string[] = AREA_NAMES.flatMap((area) => [`${area}:read`, `${area}:write`]);
