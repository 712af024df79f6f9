import type { CatalogEndpoint } from '../../catalog/types.js';
import { pathParams } from '../path-params.js';
import type { JsonSchema, ToolInput } from '../tool-input.js';

/**
 * Turns WorkOS's OpenAPI operations into the input schemas of Bollard's MCP tools (JSON Schema 2020-12).
 * Build-time only (scripts/generate-mcp-schemas.ts): the runtime reads the generated data, never the spec.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** JSON Schema keywords kept from the spec; everything else (examples, discriminators, x-…) is dropped. */
const KEPT_KEYWORDS = new Set([
  'type',
  'enum',
  'const',
  'format',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'maxProperties',
  'default',
  'deprecated',
]);
const COMBINATORS = ['allOf', 'anyOf', 'oneOf'] as const;
/** Deeper nesting is left open (`{}` with its description): a model needs the top levels, not a whole tree. */
const MAX_DEPTH = 4;
const MAX_DESCRIPTION = 300;

function resolveRef(
  doc: Json,
  value: unknown,
  seen: readonly string[] = [],
): { schema: unknown; refs: string[] } {
  if (!isObject(value) || typeof value.$ref !== 'string') return { schema: value, refs: [...seen] };
  if (seen.includes(value.$ref) || seen.length > 8) return { schema: {}, refs: [...seen] };
  let target: unknown = doc;
  for (const key of value.$ref.replace(/^#\//, '').split('/'))
    target = isObject(target) ? target[key] : undefined;
  return resolveRef(doc, target, [...seen, value.$ref]);
}

function shortDescription(text: unknown): string | undefined {
  if (typeof text !== 'string' || !text.trim()) return undefined;
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_DESCRIPTION ? `${flat.slice(0, MAX_DESCRIPTION - 1)}…` : flat;
}

/** One OpenAPI 3.1 schema as a self-contained JSON Schema 2020-12 fragment (refs inlined, cycles cut). */
export function convertSchema(doc: Json, raw: unknown, depth = 0, refs: readonly string[] = []): JsonSchema {
  const resolved = resolveRef(doc, raw, refs);
  const schema = resolved.schema;
  if (!isObject(schema)) return {};
  const out: JsonSchema = {};
  const description = shortDescription(schema.description);
  if (description) out.description = description;
  if (depth >= MAX_DEPTH) return out;
  for (const [key, value] of Object.entries(schema)) if (KEPT_KEYWORDS.has(key)) out[key] = value;
  if (isObject(schema.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([name, sub]) => [
        name,
        convertSchema(doc, sub, depth + 1, resolved.refs),
      ]),
    );
    if (Array.isArray(schema.required) && schema.required.length > 0) out.required = [...schema.required];
  }
  if (schema.items !== undefined) out.items = convertSchema(doc, schema.items, depth + 1, resolved.refs);
  if (isObject(schema.additionalProperties))
    out.additionalProperties = convertSchema(doc, schema.additionalProperties, depth + 1, resolved.refs);
  else if (typeof schema.additionalProperties === 'boolean')
    out.additionalProperties = schema.additionalProperties;
  for (const combinator of COMBINATORS) {
    const parts = schema[combinator];
    if (Array.isArray(parts))
      out[combinator] = parts.map((part) => convertSchema(doc, part, depth + 1, resolved.refs));
  }
  return out;
}

function operationOf(doc: Json, endpoint: CatalogEndpoint): Json | null {
  if (!isObject(doc.paths)) return null;
  for (const item of Object.values(doc.paths)) {
    if (!isObject(item)) continue;
    const operation = item[endpoint.method.toLowerCase()];
    if (isObject(operation) && operation.operationId === endpoint.operationId) return operation;
  }
  return null;
}

/**
 * The tool input of one catalog endpoint: path parameters (required strings), query parameters and
 * `body` as the spec gives them. Body fields Bollard fills itself (`client_secret`) are left out.
 * Endpoints absent from the spec get their path parameters, an open `body` when they take one, and
 * accept other arguments as query parameters.
 */
export function buildToolInput(doc: Json, endpoint: CatalogEndpoint): ToolInput {
  const operation = endpoint.operationId ? operationOf(doc, endpoint) : null;
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const parameters = operation && Array.isArray(operation.parameters) ? operation.parameters : [];
  const specParams = parameters.map((p) => resolveRef(doc, p).schema).filter(isObject);
  for (const name of pathParams(endpoint.path)) {
    const spec = specParams.find((p) => p.in === 'path' && p.name === name);
    properties[name] = {
      type: 'string',
      description: shortDescription(spec?.description) ?? `The ${name} in ${endpoint.path}.`,
    };
    required.push(name);
  }
  const csvQuery: string[] = [];
  for (const param of specParams) {
    if (param.in !== 'query' || typeof param.name !== 'string') continue;
    if (param.name === 'client_secret' && endpoint.apiKeyField === 'client_secret') continue;
    const schema = convertSchema(doc, param.schema);
    const description = shortDescription(param.description);
    properties[param.name] = description ? { ...schema, description } : schema;
    if (param.required === true) required.push(param.name);
    if (param.explode === false) csvQuery.push(param.name);
  }
  const bodySchema = operation ? requestBodySchema(doc, operation, endpoint) : undefined;
  const takesBody = endpoint.method === 'POST' || endpoint.method === 'PUT' || endpoint.method === 'PATCH';
  if (bodySchema) {
    // Some operations list their form fields as query parameters too (`POST /sso/token`): the body has them.
    const inBody = isObject(bodySchema.properties) ? Object.keys(bodySchema.properties) : [];
    for (const name of inBody) {
      if (!(name in properties) || pathParams(endpoint.path).includes(name)) continue;
      delete properties[name];
      if (required.includes(name)) required.splice(required.indexOf(name), 1);
    }
    properties.body = bodySchema;
    if (isObject(operation?.requestBody) && operation.requestBody.required === true) required.push('body');
  } else if (takesBody && !operation) {
    properties.body = { type: 'object', description: 'The JSON body WorkOS expects.' };
  }
  if ('body' in properties && pathParams(endpoint.path).includes('body'))
    throw new Error(`${endpoint.id}: a path parameter is named body`);
  const inputSchema: JsonSchema = { type: 'object', properties };
  if (required.length > 0) inputSchema.required = required;
  if (operation) inputSchema.additionalProperties = false;
  return csvQuery.length > 0 ? { inputSchema, csvQuery } : { inputSchema };
}

function requestBodySchema(doc: Json, operation: Json, endpoint: CatalogEndpoint): JsonSchema | undefined {
  const body = resolveRef(doc, operation.requestBody).schema;
  if (!isObject(body) || !isObject(body.content)) return undefined;
  const media = Object.values(body.content).find(isObject);
  if (!media) return undefined;
  const schema = convertSchema(doc, media.schema);
  schema.description ??= 'The request body.';
  return withoutBollardFields(schema, endpoint);
}

/** `client_secret` is Bollard's to fill (with the WorkOS key): the model never sees or sends it. */
function withoutBollardFields(schema: JsonSchema, endpoint: CatalogEndpoint): JsonSchema {
  if (endpoint.apiKeyField !== 'client_secret') return schema;
  const strip = (part: JsonSchema): JsonSchema => {
    const out: JsonSchema = { ...part };
    if (isObject(out.properties)) {
      const { client_secret: _dropped, ...rest } = out.properties as Record<string, JsonSchema>;
      out.properties = rest;
    }
    if (Array.isArray(out.required)) {
      const kept = (out.required as string[]).filter((name) => name !== 'client_secret');
      if (kept.length > 0) out.required = kept;
      else delete out.required;
    }
    for (const combinator of COMBINATORS)
      if (Array.isArray(out[combinator])) out[combinator] = (out[combinator] as JsonSchema[]).map(strip);
    return out;
  };
  return strip(schema);
}
