import { AREA_NAMES, areaDocs } from '../areas.js';
import type { RateLimitRuleName } from '../rate-limits.js';
import { paramNames, templateKey } from '../template.js';
import type { CatalogEndpoint, HttpMethod, ValueSource } from '../types.js';
import { areaForTemplate } from './area-rules.js';
import { ACTS_ON, ID_OVERRIDES, LEGACY, RATE_LIMITS, SUMMARIES, WEBHOOK_EVENTS } from './endpoint-rules.js';
import {
  actsOnFromPath,
  firstSentence,
  sentenceFromMethod,
  snakeCase,
  snakeFromTitle,
  stripAreaNoun,
  stripMarkdownLinks,
} from './naming.js';
import type { SpecOperation } from './parse-openapi.js';
import type { SdkCall } from './parse-reference.js';
import type { SeedRow } from './parse-seed.js';
import {
  API_KEY_IN_BODY,
  accessFor,
  isAnonymous,
  isDestructive,
  PATH_SECRETS,
  REQUEST_SECRETS,
  RESPONSE_SECRETS,
} from './security-rules.js';

/** An endpoint as the generator writes it: rate limits by rule name, resolved when the data module loads. */
export type EndpointRecord = Omit<CatalogEndpoint, 'rateLimits'> & { rateLimits: RateLimitRuleName[] };

export interface CatalogSources {
  spec: SpecOperation[];
  sdk: SdkCall[];
  seed: SeedRow[];
}

interface Sources {
  key: string;
  method: HttpMethod;
  spec?: SpecOperation;
  sdk: SdkCall[];
  seed?: SeedRow;
}

const BASE_VERSION = 'Available since the API’s base version';
const METHOD_ORDER: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function groupSources({ spec, sdk, seed }: CatalogSources): Sources[] {
  const byKey = new Map<string, Sources>();
  const entry = (method: HttpMethod, path: string): Sources => {
    const key = templateKey(method, path);
    const found = byKey.get(key) ?? { key, method, sdk: [] };
    byKey.set(key, found);
    return found;
  };
  for (const operation of spec) entry(operation.method, operation.path).spec = operation;
  for (const call of sdk) entry(call.method, call.path).sdk.push(call);
  for (const row of seed) entry(row.method, row.path).seed = row;
  return [...byKey.values()];
}

function canonicalPath(sources: Sources): string {
  return sources.spec?.path ?? sources.sdk[0]?.path ?? sources.seed?.path ?? '';
}

function idFor(sources: Sources, area: string): string {
  const override = ID_OVERRIDES.get(sources.key);
  if (override) return override;
  const sdkMethod = sources.sdk[0]?.sdkMethods[0];
  const raw = sdkMethod
    ? snakeCase(sdkMethod.split('.').pop() ?? '')
    : snakeFromTitle(sources.spec?.summary ?? '');
  return `${area}.${stripAreaNoun(raw, area)}`;
}

function summaryFor(sources: Sources): string {
  if (sources.seed) return sources.seed.summary;
  const override = SUMMARIES.get(sources.key);
  if (override) return override;
  const spec = sources.spec;
  if (spec) return firstSentence(spec.description) ?? `${spec.summary}.`;
  return sentenceFromMethod(sources.sdk[0]?.sdkMethods[0] ?? 'call');
}

function descriptionFor(sources: Sources, summary: string): string | undefined {
  if (sources.seed) return sources.seed.description || undefined;
  const text = stripMarkdownLinks(sources.spec?.description ?? '');
  if (!text || text === summary) return undefined;
  return text.length > 500 ? `${text.slice(0, text.lastIndexOf(' ', 497))}…` : text;
}

/** Path segment first (`/organizations/{id}`), then `organization_id` in the query or body (REFERENCE §8). */
function organizationIdFor(path: string, spec: SpecOperation | undefined): ValueSource | null {
  const pathMatch = /^\/(?:authorization\/)?organizations\/\{([^}]+)\}/.exec(path);
  if (pathMatch?.[1]) return { in: 'path', name: pathMatch[1] };
  for (const name of ['organization_id', 'organization']) {
    if (spec?.queryParams.includes(name)) return { in: 'query', name };
  }
  for (const name of ['organization_id', 'organization']) {
    if (spec?.bodyProps.includes(name)) return { in: 'body', name };
  }
  return null;
}

function rateLimitsFor(sources: Sources, path: string, access: 'read' | 'write'): RateLimitRuleName[] {
  const shared: RateLimitRuleName[] = [];
  if (path.startsWith('/user_management/'))
    shared.push(access === 'read' ? 'AUTHKIT_READS' : 'AUTHKIT_WRITES');
  return [...shared, ...(RATE_LIMITS.get(sources.key) ?? [])];
}

const ROUTINE_NOTES = /^list → AutoPaginatable$|^$/;

function notesFor(sources: Sources): string[] {
  const notes = sources.sdk
    .map((call) => call.notes.replace(/\*\*|`/g, '').trim())
    .filter((note) => !ROUTINE_NOTES.test(note));
  if (!sources.spec && sources.sdk.length > 0)
    notes.push('Called by SDK v11 but absent from the OpenAPI spec.');
  const legacy = LEGACY.get(sources.key);
  if (legacy) notes.push(legacy.note);
  return [...new Set(notes)];
}

function buildRecord(sources: Sources): EndpointRecord {
  const path = canonicalPath(sources);
  const area = areaForTemplate(templateKey(sources.method, path).split(' ')[1] ?? '');
  const access = sources.seed?.access ?? accessFor(sources.method, path);
  const summary = summaryFor(sources);
  const legacy = LEGACY.get(sources.key);
  const notes = notesFor(sources);
  const record: EndpointRecord = {
    id: idFor(sources, area),
    method: sources.method,
    path,
    area,
    access,
    permission: `${area}:${access}`,
    summary,
    description: descriptionFor(sources, summary),
    actsOn: sources.seed?.actsOn ?? ACTS_ON.get(sources.key) ?? actsOnFromPath(path),
    rateLimits: rateLimitsFor(sources, path, access),
    webhookEvents: WEBHOOK_EVENTS.get(sources.key) ?? [],
    destructive: isDestructive(sources.method, path),
    responseSecrets: RESPONSE_SECRETS.get(sources.key) ?? [],
    requestSecrets: REQUEST_SECRETS.get(sources.key) ?? [],
    organizationId: organizationIdFor(path, sources.spec),
    anonymous: isAnonymous(sources.method, path),
    status: legacy ? 'legacy' : 'current',
    replacedBy: legacy?.replacedBy,
    since: sources.seed?.version || BASE_VERSION,
    source: areaDocs(area),
    seedRow: sources.seed?.row,
    sdkMethods: [...new Set(sources.sdk.flatMap((call) => call.sdkMethods))],
    operationId: sources.spec?.operationId || undefined,
  };
  if (notes.length > 0) record.notes = notes;
  const pathSecrets = PATH_SECRETS.get(sources.key)?.filter((name) => paramNames(path).includes(name));
  if (pathSecrets?.length) record.pathSecrets = pathSecrets;
  const apiKeyField = API_KEY_IN_BODY.get(sources.key);
  if (apiKeyField) record.apiKeyField = apiKeyField;
  return record;
}

function compareRecords(a: EndpointRecord, b: EndpointRecord): number {
  const byArea = AREA_NAMES.indexOf(a.area) - AREA_NAMES.indexOf(b.area);
  if (byArea !== 0) return byArea;
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  return METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method);
}

/** Resolves `replacedBy` template keys to ids and fails on duplicate ids, so a bad rule stops the build. */
function linkAndCheck(records: EndpointRecord[]): EndpointRecord[] {
  const idByKey = new Map(records.map((record) => [templateKey(record.method, record.path), record.id]));
  const seen = new Set<string>();
  for (const record of records) {
    if (seen.has(record.id)) throw new Error(`duplicate endpoint id ${record.id}`);
    seen.add(record.id);
    if (record.replacedBy) {
      const [method = '', path = ''] = record.replacedBy.split(' ');
      const id = idByKey.get(templateKey(method, path));
      if (!id) throw new Error(`${record.id}: replacement ${record.replacedBy} is not in the catalog`);
      record.replacedBy = id;
    }
  }
  return records;
}

/** Merges the OpenAPI operations, the SDK calls and the seed rows into one record per method + template. */
export function assembleCatalog(sources: CatalogSources): EndpointRecord[] {
  return linkAndCheck(groupSources(sources).map(buildRecord).sort(compareRecords));
}
