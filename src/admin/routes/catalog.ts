import { z } from 'zod';
import type { CatalogArea, CatalogEndpoint, CatalogEvent, EndpointFilter } from '../../catalog/index.js';
import * as builtIn from '../../catalog/index.js';
import { BollardError } from '../../errors/index.js';
import type { Router } from '../route.js';
import { catalogQueryParams } from '../schemas.js';

/** The parts of the catalog the admin API serves (the built-in catalog by default). */
export interface CatalogSource {
  areas: readonly CatalogArea[];
  events: readonly CatalogEvent[];
  getEndpoint(id: string): CatalogEndpoint | undefined | null;
  filterEndpoints(filter: EndpointFilter): CatalogEndpoint[];
}

/** Catalog list (with the CLI's filters), areas, and one endpoint. */
export function registerCatalogRoutes(router: Router, catalog: CatalogSource = builtIn): void {
  const tag = 'catalog';
  router.add({
    method: 'GET',
    url: '/catalog',
    tag,
    summary: 'List WorkOS endpoints, filtered by area, method, access, permission or a search text',
    query: catalogQueryParams,
    handler: async ({ query }) => ({ data: catalog.filterEndpoints(query) }),
  });
  router.add({
    method: 'GET',
    url: '/catalog/areas',
    tag,
    summary: 'List permission areas',
    handler: async () => ({ data: catalog.areas }),
  });
  router.add({
    method: 'GET',
    url: '/catalog/events',
    tag,
    summary: 'List WorkOS webhook events: what each signals and which calls trigger it',
    handler: async () => ({ data: catalog.events }),
  });
  router.add({
    method: 'GET',
    url: '/catalog/:id',
    tag,
    summary: 'Show one endpoint by id (organizations.delete)',
    params: z.object({ id: z.string().min(1) }),
    handler: async ({ params }) => {
      const endpoint = catalog.getEndpoint(params.id);
      if (!endpoint) throw new BollardError('not_found', `no endpoint '${params.id}' in the catalog`);
      return endpoint;
    },
  });
}
