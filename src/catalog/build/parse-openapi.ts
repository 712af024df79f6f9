import { HTTP_METHODS, type HttpMethod } from '../types.js';

/**
 * Reads the operations out of WorkOS's OpenAPI document (already parsed from YAML).
 * Build-time only: used by the catalog generator and the coverage tests, never at runtime.
 */
export interface SpecOperation {
  method: HttpMethod;
  path: string;
  operationId: string;
  summary: string;
  /** The operation's description, whitespace collapsed. */
  description: string;
  tags: string[];
  queryParams: string[];
  /** Top-level request body properties (JSON or form). */
  bodyProps: string[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resolveRef(doc: Json, value: unknown, depth = 0): unknown {
  if (!isObject(value) || typeof value.$ref !== 'string' || depth > 8) return value;
  let target: unknown = doc;
  for (const key of value.$ref.replace(/^#\//, '').split('/'))
    target = isObject(target) ? target[key] : undefined;
  return resolveRef(doc, target, depth + 1);
}

function topLevelProps(doc: Json, schema: unknown, depth = 0): string[] {
  const resolved = resolveRef(doc, schema);
  if (!isObject(resolved) || depth > 4) return [];
  const names = isObject(resolved.properties) ? Object.keys(resolved.properties) : [];
  for (const combinator of ['allOf', 'oneOf', 'anyOf']) {
    const parts = resolved[combinator];
    if (Array.isArray(parts)) for (const part of parts) names.push(...topLevelProps(doc, part, depth + 1));
  }
  return [...new Set(names)];
}

function bodyProps(doc: Json, operation: Json): string[] {
  const body = resolveRef(doc, operation.requestBody);
  if (!isObject(body) || !isObject(body.content)) return [];
  return [
    ...new Set(
      Object.values(body.content).flatMap((media) =>
        isObject(media) ? topLevelProps(doc, media.schema) : [],
      ),
    ),
  ];
}

function queryParams(doc: Json, operation: Json): string[] {
  const params = Array.isArray(operation.parameters) ? operation.parameters : [];
  return params
    .map((param) => resolveRef(doc, param))
    .filter(
      (param): param is Json => isObject(param) && param.in === 'query' && typeof param.name === 'string',
    )
    .map((param) => String(param.name));
}

/** Every operation under `paths`, in document order. */
export function parseOpenApiOperations(doc: unknown): SpecOperation[] {
  if (!isObject(doc) || !isObject(doc.paths)) throw new Error('not an OpenAPI document: no paths');
  const operations: SpecOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const operation = item[method.toLowerCase()];
      if (!isObject(operation)) continue;
      operations.push({
        method,
        path,
        operationId: String(operation.operationId ?? ''),
        summary: String(operation.summary ?? ''),
        description: String(operation.description ?? '')
          .replace(/\s+/g, ' ')
          .trim(),
        tags: Array.isArray(operation.tags) ? operation.tags.map(String) : [],
        queryParams: queryParams(doc, operation),
        bodyProps: bodyProps(doc, operation),
      });
    }
  }
  return operations;
}
