import { createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { type Dispatcher, request } from 'undici';
import { formatBatch, type HttpFormat } from './formats.js';
import { type AuditSink, SinkDeliveryError, type SinkRecord } from './sink.js';

/** The header a batch's HMAC rides in: `t=<unix ms>, v1=<hex HMAC-SHA256 of "<t>.<body as sent>">`. */
export const SIGNATURE_HEADER = 'x-bollard-signature';
/** `<first seq>-<last seq>` of the batch: the same records always carry the same seqs, so a receiver can drop a repeat. */
export const BATCH_HEADER = 'x-bollard-batch';

export interface HttpSinkOptions {
  name: string;
  url: string;
  format: HttpFormat;
  secret?: string;
  token?: string;
  headers: Record<string, string>;
  batchSize: number;
  gzip: boolean;
  timeoutMs: number;
  dispatcher?: Dispatcher;
  now?: () => number;
}

/** Largest error body read back (only its first words go into the log). */
const MAX_ERROR_BODY = 512;

/**
 * Posts batches of records to an HTTP endpoint (a SIEM collector, a Splunk HEC, Datadog's log intake),
 * gzipped and signed. Any answer but 2xx is a failure the runner retries with backoff; `Retry-After` is
 * honoured. The signature covers the body as sent, so a receiver checks it before decompressing.
 */
export class HttpSink implements AuditSink {
  readonly name: string;
  readonly batchSize: number;
  private readonly now: () => number;

  constructor(private readonly options: HttpSinkOptions) {
    this.name = options.name;
    // Datadog takes at most 1,000 entries per request.
    this.batchSize = options.format === 'datadog' ? Math.min(options.batchSize, 1_000) : options.batchSize;
    this.now = options.now ?? Date.now;
  }

  async deliver(records: readonly SinkRecord[]): Promise<number> {
    const first = (records[0] as SinkRecord).seq;
    const last = (records.at(-1) as SinkRecord).seq;
    const batch = formatBatch(this.options.format, records, this.options.token);
    // On the sinks thread itself (not the process's shared pool), so the work keeps that thread's low priority.
    const body = this.options.gzip ? gzipSync(batch.body) : Buffer.from(batch.body);
    const headers: Record<string, string> = {
      ...this.options.headers,
      ...batch.headers,
      'content-type': batch.contentType,
      'user-agent': 'bollard-audit-sink',
      [BATCH_HEADER]: `${first}-${last}`,
      'idempotency-key': `${this.name}:${first}-${last}`,
    };
    if (this.options.gzip) headers['content-encoding'] = 'gzip';
    if (this.options.secret) {
      const t = this.now();
      const mac = createHmac('sha256', this.options.secret).update(`${t}.`).update(body).digest('hex');
      headers[SIGNATURE_HEADER] = `t=${t}, v1=${mac}`;
    }
    let response: Dispatcher.ResponseData;
    try {
      response = await request(this.options.url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.options.dispatcher,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? (error as Error).name;
      throw new SinkDeliveryError(`POST ${this.origin()} failed: ${code}`, { cause: error });
    }
    if (response.statusCode >= 200 && response.statusCode < 300) {
      await response.body.dump();
      return last;
    }
    const text = await readSome(response.body);
    throw new SinkDeliveryError(`POST ${this.origin()} answered ${response.statusCode}: ${text}`, {
      retryAfterMs: retryAfterMs(response.headers['retry-after'], this.now()),
    });
  }

  async close(): Promise<void> {}

  /** The URL without its query (tokens sometimes ride there) for messages. */
  private origin(): string {
    const url = new URL(this.options.url);
    return `${url.origin}${url.pathname}`;
  }
}

async function readSome(body: Dispatcher.ResponseData['body']): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    text += String(chunk);
    if (text.length >= MAX_ERROR_BODY) break;
  }
  await body.dump().catch(() => undefined);
  return text.slice(0, 200).replace(/\s+/g, ' ');
}

/** `Retry-After` in seconds or as an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
