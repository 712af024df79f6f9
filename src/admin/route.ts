import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { validationError } from './errors.js';

type Schema = z.ZodType;

/** What a handler receives: the parsed (never the raw) params, query and body. */
export interface RouteInput<P extends Schema, Q extends Schema, B extends Schema> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * One admin route as data: the same zod schemas validate the request and describe it in the
 * OpenAPI document, so the two cannot drift apart.
 */
export interface RouteSpec<P extends Schema = Schema, Q extends Schema = Schema, B extends Schema = Schema> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Fastify path under the API prefix (`/agents/:id`). */
  url: string;
  tag: string;
  summary: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Success status (default 200). */
  status?: number;
  /** Describes the success body in the OpenAPI document. */
  response?: Schema;
  /** Response media type, when not JSON (`text/event-stream`). */
  produces?: string;
  handler(input: RouteInput<P, Q, B>): Promise<unknown>;
}

function parseOrThrow(where: string, schema: Schema | undefined, value: unknown): unknown {
  if (!schema) return value;
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw validationError(where, parsed.error.issues);
  return parsed.data;
}

/** Collects routes and registers each with Fastify; `routes` feeds the OpenAPI document. */
export function createRouter(app: FastifyInstance, prefix: string) {
  const routes: RouteSpec[] = [];
  return {
    prefix,
    routes,
    add<P extends Schema, Q extends Schema, B extends Schema>(spec: RouteSpec<P, Q, B>): void {
      routes.push(spec as unknown as RouteSpec);
      app.route({
        method: spec.method,
        url: prefix + spec.url,
        handler: async function handleAdminRoute(request, reply) {
          const input = {
            params: parseOrThrow('params', spec.params, request.params),
            query: parseOrThrow('query', spec.query, request.query),
            body: parseOrThrow('body', spec.body, request.body),
            request,
            reply,
          } as RouteInput<P, Q, B>;
          const result = await spec.handler(input);
          if (reply.sent) return reply;
          reply.status(spec.status ?? 200);
          return result === undefined ? reply.send() : result;
        },
      });
    },
  };
}

export type Router = ReturnType<typeof createRouter>;
