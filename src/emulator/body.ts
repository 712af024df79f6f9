import type { IncomingMessage } from 'node:http';
import { WorkOSError } from './errors.js';
import { asObject, type JsonObject } from './json.js';

// WorkOS refuses bodies past a few MB; 10 MB keeps a runaway client from exhausting memory.
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export async function readRawBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new WorkOSError(413, { message: 'Request entity too large.' });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * JSON or form-encoded (the SDK sends `/sso/token` as `application/x-www-form-urlencoded`);
 * an empty body is `{}` whatever the content type (the SDK sends `application/json` even on GET).
 */
export function parseBody(raw: string, contentType: string | undefined): JsonObject {
  if (raw.trim() === '') return {};
  if ((contentType ?? '').includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(raw));
  }
  try {
    return asObject(JSON.parse(raw));
  } catch {
    throw new WorkOSError(400, { message: 'The request body is not valid JSON.' });
  }
}
