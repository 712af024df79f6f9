import type { FastifyError, FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { BollardError } from '../errors/index.js';

/** One field problem in a `validation_failed` envelope. */
export interface FieldError {
  path: string;
  message: string;
}

/** zod issues → the envelope's `errors` list, and a message that names the first few. */
export function validationError(where: string, issues: readonly z.core.$ZodIssue[]): BollardError {
  const errors: FieldError[] = issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const message = errors.map((error) => `${error.path}: ${error.message}`).join('; ');
  return new BollardError('validation_failed', message, { errors });
}

/**
 * One error envelope for every admin route: `{ code, message, errors? }`. Bollard's own errors
 * keep their code; Fastify's client errors (bad JSON, wrong content type) become
 * `validation_failed`; anything else is logged with its request id and answered as `internal_error`.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | BollardError, request, reply) => {
    if (error instanceof BollardError) return reply.status(error.status).send(error.toBody());
    const status = (error as FastifyError).statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.status(400).send(new BollardError('validation_failed', error.message).toBody());
    }
    request.log.error({ err: error, requestId: request.id }, 'admin request failed');
    return reply.status(500).send(new BollardError('internal_error').toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new BollardError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`);
    return reply.status(404).send(error.toBody());
  });
}
