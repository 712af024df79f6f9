import type { IncomingMessage } from 'node:http';
import { BollardError } from '../errors/index.js';
import { hasNoBody } from './decide.js';

const EMPTY = Buffer.alloc(0);

/**
 * Reads the whole request body, refusing it (413) as soon as it passes `limit` bytes, without
 * buffering the excess. Bodies are small JSON or form documents; reading them whole lets Bollard
 * inject the client secret, find scope keys and record a redacted summary before forwarding.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(tooLarge(limit));
  }
  if (hasNoBody(req)) return Promise.resolve(EMPTY);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    function cleanup() {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function tooLarge(limit: number): BollardError {
  return new BollardError('payload_too_large', `The request body is larger than ${limit} bytes.`, {
    limit_bytes: limit,
  });
}
