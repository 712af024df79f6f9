import net from 'node:net';

/** A request written byte for byte: the target and every header exactly as given (no Host added). */
export interface RawRequest {
  method: string;
  /** The request target as it goes on the request line: `/a`, `/%61`, `http://host/a`, `*`. */
  target: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface RawResponse {
  /** 0 when the server closed without answering. */
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body parsed as JSON, or undefined. */
  json: Record<string, unknown> | undefined;
}

/**
 * Sends one HTTP/1.1 request over a fresh socket (`Connection: close`) and reads the answer to the
 * end; `headOnly` resolves once the status line and headers are in (for streams that never end).
 */
export function rawHttp(port: number, request: RawRequest, options: { headOnly?: boolean } = {}) {
  const headers: Record<string, string> = { ...request.headers, connection: 'close' };
  if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
  const lines = [
    `${request.method} ${request.target} HTTP/1.1`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return new Promise<RawResponse>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    const finish = () => {
      socket.destroy();
      resolve(parseResponse(data));
    };
    socket.on('data', (chunk) => {
      data += String(chunk);
      if (options.headOnly && data.includes('\r\n\r\n')) finish();
    });
    socket.on('error', () => undefined);
    socket.on('close', finish);
    socket.setTimeout(10_000, () => socket.destroy());
    socket.write(`${lines.join('\r\n')}\r\n\r\n${request.body ?? ''}`);
  });
}

function parseResponse(data: string): RawResponse {
  const split = data.indexOf('\r\n\r\n');
  const head = split === -1 ? data : data.slice(0, split);
  let text = split === -1 ? '' : data.slice(split + 4);
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  if (headers['transfer-encoding'] === 'chunked') text = unchunk(text);
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, text, json };
}

function unchunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, end), 16);
    if (end === -1 || !(size > 0)) return out;
    out += rest.slice(end + 2, end + 2 + size);
    rest = rest.slice(end + 2 + size + 2);
  }
}
