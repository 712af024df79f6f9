import type { ValueSource } from './types.js';

/** The parts of a request a `ValueSource` can point into. */
export interface RequestValues {
  /** Decoded path parameters from the matcher. */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** Parsed JSON or form body (top-level object), or undefined when there is none. */
  body: unknown;
}

/**
 * Reads the value a source points at, as a string, or null when it is absent or not a scalar.
 * @example readValue({ in: 'query', name: 'directory' }, { params: {}, query: new URLSearchParams('directory=d_1'), body: undefined }) // 'd_1'
 */
export function readValue(source: ValueSource, request: RequestValues): string | null {
  switch (source.in) {
    case 'path':
      return request.params[source.name] ?? null;
    case 'query':
      return request.query.get(source.name);
    case 'body': {
      const body = request.body;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
      const value = (body as Record<string, unknown>)[source.name];
      return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
    }
  }
}

/** The first non-empty value among several sources (a rule may take its key from path or body). */
export function readFirstValue(sources: readonly ValueSource[], request: RequestValues): string | null {
  for (const source of sources) {
    const value = readValue(source, request);
    if (value) return value;
  }
  return null;
}
