import {
  type Access,
  areaNames,
  areas,
  type CatalogEndpoint,
  type EndpointFilter,
  events,
  eventsForArea,
  filterEndpoints,
  findByTemplate,
  GENERAL_RATE_LIMIT,
  getEndpoint,
  HTTP_METHODS,
  match,
  PERMISSIONS,
  suggestName,
} from '../../catalog/index.js';
import { renderTable, terminalWidth } from '../table.js';

export class UsageError extends Error {}

function checkChoice(flag: string, value: string | undefined, choices: readonly string[]): void {
  if (value === undefined || choices.includes(value)) return;
  const suggestion = suggestName(value, choices);
  const hint = suggestion ? ` Did you mean "${suggestion}"?` : '';
  throw new UsageError(`unknown ${flag} "${value}".${hint} Valid values: ${choices.join(', ')}`);
}

export interface ListOptions {
  area?: string;
  method?: string;
  access?: string;
  permission?: string;
  search?: string;
  json?: boolean;
}

function toFilter(options: ListOptions): EndpointFilter {
  const method = options.method?.toUpperCase();
  checkChoice('--area', options.area, areaNames);
  checkChoice('--method', method, HTTP_METHODS);
  checkChoice('--access', options.access, ['read', 'write']);
  checkChoice('--permission', options.permission, PERMISSIONS);
  return { ...options, method, access: options.access as Access | undefined };
}

export function listEndpoints(options: ListOptions): void {
  const rows = filterEndpoints(toFilter(options));
  if (options.json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  const table = rows.map((e) => [e.id, e.method, e.path, e.permission]);
  const width = terminalWidth();
  // Long ids are cut first, then paths: `bollard catalog show ID` has every detail, rate limits included.
  const shrink = [
    { column: 0, floor: 30 },
    { column: 2, floor: 24 },
    { column: 3, floor: 16 },
  ];
  const fit = width ? { width, shrink } : undefined;
  console.log(renderTable(['ID', 'METHOD', 'PATH', 'PERMISSION'], table, fit));
  console.log(
    `\n${rows.length} endpoint(s); \`bollard catalog show ID\` for rate limits, events and more.\nEvery endpoint is also held to ${GENERAL_RATE_LIMIT.description}.`,
  );
}

/** `organizations.delete`, `DELETE /organizations/{id}` or a concrete `DELETE /organizations/org_01H…`. */
function resolveEndpoint(reference: string): CatalogEndpoint {
  const byId = getEndpoint(reference);
  if (byId) return byId;
  // An SDK method name: `userManagement.createUser`, or `workos.userManagement.createUser` as code says it.
  const sdkMethod = reference
    .trim()
    .replace(/^workos\./, '')
    .replace(/\(\)$/, '');
  const bySdk = filterEndpoints({}).find((endpoint) => endpoint.sdkMethods.includes(sdkMethod));
  if (bySdk) return bySdk;
  const [method = '', target = ''] = reference.trim().split(/\s+/, 2);
  const path = target.split('?')[0] ?? '';
  if (!path.startsWith('/')) throw new UsageError(unknownEndpoint(reference));
  const byTemplate = path.includes('{') ? findByTemplate(method, path) : undefined;
  if (byTemplate) return byTemplate;
  const result = match(method.toUpperCase(), path);
  if (result.kind === 'match') return result.endpoint;
  const why = result.kind === 'invalid' ? ` (${result.reason})` : '';
  throw new UsageError(`${unknownEndpoint(reference)}${why}`);
}

function unknownEndpoint(reference: string): string {
  const suggestion = suggestName(
    reference,
    filterEndpoints({}).map((endpoint) => endpoint.id),
  );
  const hint = suggestion ? ` Did you mean "${suggestion}"?` : '';
  return `no catalog endpoint "${reference}".${hint} Give an id (organizations.delete), an SDK method (organizations.deleteOrganization) or "METHOD /path".`;
}

function yesNo(flag: boolean): string {
  return flag ? 'yes' : 'no';
}

/** What restrictions can do on the endpoint: how a pin applies, which fields constraints may name. */
interface Restrictable {
  pinned: string;
  constrainableFields: string[] | null;
  withheldByDefault: string[];
}

async function restrictable(e: CatalogEndpoint): Promise<Restrictable> {
  const [{ describePinPlan, pinPlan }, { endpointFields }, { normalizeResponsePath }] = await Promise.all([
    import('../../catalog/pinning.js'),
    import('../../agents/restriction-input.js'),
    import('../../policy/restrictions.js'),
  ]);
  const fields = endpointFields(e);
  return {
    pinned: describePinPlan(pinPlan(e)),
    constrainableFields: fields ? [...fields].sort() : null,
    withheldByDefault: e.responseSecrets.map(normalizeResponsePath),
  };
}

function describeRestrictable(r: Restrictable): string[] {
  return [
    'restrictions (see README "Beyond areas"):',
    `  organization pin:    ${r.pinned}`,
    `  constrainable:       ${r.constrainableFields ? r.constrainableFields.join(', ') || 'no body or query fields' : 'nothing (not in the OpenAPI spec)'}`,
    `  withheld by default: ${r.withheldByDefault.join(', ') || 'nothing'} (for restricted agents, unless reveal_secrets: true)`,
    '  redactable:          any response path (email, data.*.raw_attributes)',
  ];
}

function describeEndpoint(e: CatalogEndpoint): string {
  const limits = [...e.rateLimits, GENERAL_RATE_LIMIT].map((rule) => `  - ${rule.description}`);
  const org = e.organizationId ? `${e.organizationId.in} "${e.organizationId.name}"` : 'not in the request';
  const lines = [
    `${e.method} ${e.path}`,
    `  ${e.summary}`,
    ...(e.description ? [`  ${e.description}`] : []),
    '',
    `id:                ${e.id}`,
    `area:              ${e.area}`,
    `access:            ${e.access}`,
    `permission:        ${e.permission}`,
    `acts on:           ${e.actsOn ?? '-'}`,
    `version:           ${e.since}`,
    `status:            ${e.status}${e.replacedBy ? ` (replaced by ${e.replacedBy})` : ''}`,
    `webhook events:    ${e.webhookEvents.join(', ') || 'none'}`,
    `destructive:       ${yesNo(e.destructive)}`,
    `response secrets:  ${e.responseSecrets.join(', ') || 'none'}`,
    `request secrets:   ${e.requestSecrets.join(', ') || 'none'}`,
    ...(e.pathSecrets ? [`path secrets:      ${e.pathSecrets.join(', ')} (stored as [redacted])`] : []),
    `organization id:   ${org}`,
    `without API key:   ${yesNo(e.anonymous)}`,
    `SDK methods:       ${e.sdkMethods.join(', ') || 'none (not called by the official Node SDK)'}`,
    `operationId:       ${e.operationId ?? 'none (not in the OpenAPI spec)'}`,
    ...(e.seedRow ? [`seed row:          ${e.seedRow}`] : []),
    `source:            ${e.source}`,
    'rate limits:',
    ...limits,
    ...(e.notes?.length ? ['notes:', ...e.notes.map((note) => `  - ${note}`)] : []),
  ];
  return lines.join('\n');
}

export async function showEndpoint(reference: string, options: { json?: boolean }): Promise<void> {
  const endpoint = resolveEndpoint(reference);
  const restrictions = await restrictable(endpoint);
  console.log(
    options.json
      ? JSON.stringify({ ...endpoint, restrictions }, null, 2)
      : [describeEndpoint(endpoint), ...describeRestrictable(restrictions)].join('\n'),
  );
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function listEvents(options: { area?: string; json?: boolean }): void {
  checkChoice('--area', options.area, areaNames);
  const rows = options.area ? eventsForArea(options.area) : [...events];
  if (options.json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  const table = rows.map((event) => [event.name, event.area, shorten(event.trigger, 70), event.summary]);
  console.log(renderTable(['EVENT', 'AREA', 'TRIGGERED BY', 'WHAT IT SIGNALS'], table));
}

export function listAreas(options: { json?: boolean }): void {
  if (options.json) {
    console.log(JSON.stringify(areas, null, 2));
    return;
  }
  const count = (area: string) => String(filterEndpoints({ area }).length);
  console.log(
    renderTable(
      ['AREA', 'TITLE', 'ENDPOINTS', 'SUMMARY'],
      areas.map((a) => [a.name, a.title, count(a.name), a.summary]),
    ),
  );
}
