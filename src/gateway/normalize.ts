import type { IncomingHttpHeaders } from 'node:http';
import type { MatchResult } from '../catalog/types.js';
import { BollardError } from '../errors/index.js';

/** Headers some frameworks read to change the method: Bollard refuses them rather than guess (invariant 3). */
const METHOD_OVERRIDE_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override'];
const ALLOWED_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

export interface NormalizedRequest {
  method: string;
  /** Raw path, still percent-encoded, without the query string. */
  path: string;
  /** Raw query string without the `?` (empty when none). */
  rawQuery: string;
  match: MatchResult;
}

export type Matcher = (method: string, rawPath: string) => MatchResult;

/**
 * Splits the request target, refuses what cannot be classified (400 `invalid_request`), and matches
 * the catalog. An unknown path is not an error here: the caller denies it (403 `endpoint_not_allowed`).
 */
export function normalize(
  method: string | undefined,
  target: string | undefined,
  headers: IncomingHttpHeaders,
  match: Matcher,
): NormalizedRequest {
  const upper = method ?? '';
  if (!ALLOWED_METHODS.has(upper)) {
    throw new BollardError('invalid_request', `Method ${upper || '(none)'} is not used by the WorkOS API.`, {
      reason: 'method_not_allowed',
    });
  }
  for (const name of METHOD_OVERRIDE_HEADERS) {
    if (headers[name] !== undefined) {
      throw new BollardError(
        'invalid_request',
        `The ${name} header is refused: Bollard never lets a header change the method.`,
        { reason: 'method_override' },
      );
    }
  }
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    throw new BollardError(
      'invalid_request',
      'Compressed request bodies are refused: Bollard must read the body to check it.',
      { reason: 'content_encoding' },
    );
  }
  const raw = target ?? '';
  const question = raw.indexOf('?');
  const path = question < 0 ? raw : raw.slice(0, question);
  const rawQuery = question < 0 ? '' : raw.slice(question + 1);
  const result = match(upper, path);
  if (result.kind === 'invalid') {
    throw new BollardError('invalid_request', `The path cannot be classified safely: ${result.reason}.`, {
      reason: 'invalid_path',
    });
  }
  return { method: upper, path, rawQuery, match: result };
}
