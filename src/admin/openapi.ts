import { z } from 'zod';
import type { RouteSpec } from './route.js';

const ERROR_ENVELOPE = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: {
      type: 'string',
      description: 'Stable machine code (admin_unauthorized, validation_failed, not_found…)',
    },
    message: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

/** Object-schema properties as OpenAPI parameters (`in: path` or `in: query`). */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): unknown[] {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (object.required ?? []).includes(name),
    schema: property,
    description: (property as { description?: string }).description,
  }));
}

function operation(route: RouteSpec): Record<string, unknown> {
  const status = String(route.status ?? 200);
  const media = route.produces ?? 'application/json';
  const content = route.response
    ? { [media]: { schema: jsonSchema(route.response, 'output') } }
    : { [media]: {} };
  const error = { description: 'Error', content: { 'application/json': { schema: ERROR_ENVELOPE } } };
  return {
    tags: [route.tag],
    summary: route.summary,
    parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
          },
        }
      : {}),
    responses: { [status]: { description: 'Success', content }, '4XX': error, '5XX': error },
  };
}

/** The OpenAPI 3.1 document of the admin API, generated from the routes' own zod schemas. */
export function buildOpenApi(prefix: string, routes: readonly RouteSpec[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = prefix + route.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Bollard admin API', version: '1' },
    components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } } },
    security: [{ adminToken: [] }],
    paths,
  };
}
