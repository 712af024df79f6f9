/**
 * The WorkOS API catalog: every endpoint and webhook event as typed data, and the path matcher.
 * It does no I/O and imports nothing else of Bollard's.
 */
import { AREA_NAMES, AREAS } from './areas.js';
import { ENDPOINTS } from './data/endpoints.js';
import { EVENTS } from './events.js';
import type { CatalogArea, CatalogEndpoint, CatalogEvent } from './types.js';

export const endpoints: readonly CatalogEndpoint[] = ENDPOINTS;
export const events: readonly CatalogEvent[] = EVENTS;
export const areas: readonly CatalogArea[] = AREAS.map(({ name, title, summary }) => ({
  name,
  title,
  summary,
}));
export const areaNames: readonly string[] = AREA_NAMES;

export { areaDocs } from './areas.js';
export {
  type EndpointFilter,
  eventsForArea,
  filterEndpoints,
  findByTemplate,
  getEndpoint,
  PERMISSIONS,
} from './lookup.js';
export { match } from './match.js';
export { MAX_PATH_LENGTH, MAX_SEGMENTS } from './parse-path.js';
export { GENERAL_RATE_LIMIT } from './rate-limits.js';
export { suggestName } from './suggest.js';
export { normalizeTemplate, templateKey } from './template.js';
export * from './types.js';
export { type RequestValues, readFirstValue, readValue } from './value-source.js';
