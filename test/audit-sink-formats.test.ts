import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpSink } from '../src/sinks/http-sink.js';
import { SinkDeliveryError, SinkRecord } from '../src/sinks/sink.js';
import { StdoutSink } from '../src/sinks/stdout-sink.js';
import type { AuditRecord } from '../src/store/types.js';
import { makeDraft } from './store-harness.js';

const records: AuditRecord[] = [1, 2, 3].map((seq) => ({
  ...makeDraft({
    requestId: `r${seq}`,
    decision: 'allow',
    agentName: 'bot',
    method: 'GET',
    path: '/organizations',
  }),
  seq,
  prevHash: 'p'.repeat(64),
  hash: 'h'.repeat(64),
}));
const batch = records.map((record) => SinkRecord.of(record));

let url: string;
let status = 200;
const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  received.push({
    headers: req.headers,
    body: (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'),
  });
  res.writeHead(status, status === 429 ? { 'retry-after': '7' } : {}).end();
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/intake`;
});
afterAll(() => server.close());

function sink(format: 'jsonl' | 'splunk' | 'datadog', token?: string) {
  return new HttpSink({
    name: 'x',
    url,
    format,
    token,
    headers: {},
    batchSize: 500,
    gzip: true,
    timeoutMs: 5_000,
  });
}

describe('HTTP sink formats', () => {
  it('Splunk HEC: one event object per line, sourcetype bollard:audit, Authorization: Splunk <token>', async () => {
    expect(await sink('splunk', 'hec-token').deliver(batch)).toBe(3);
    const { headers, body } = received.at(-1)!;
    expect(headers.authorization).toBe('Splunk hec-token');
    const events = body.split('\n').map((line) => JSON.parse(line));
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({ sourcetype: 'bollard:audit', event: { seq: 1, requestId: 'r1' } });
    expect(typeof events[0].time).toBe('number');
  });

  it('Datadog: a JSON array of log entries with ddsource, message and the record, DD-API-KEY header', async () => {
    await sink('datadog', 'dd-key').deliver(batch);
    const { headers, body } = received.at(-1)!;
    expect(headers['dd-api-key']).toBe('dd-key');
    const entries = JSON.parse(body);
    expect(entries).toHaveLength(3);
    expect(entries[2]).toMatchObject({ ddsource: 'bollard', service: 'bollard', bollard: { seq: 3 } });
    expect(entries[2].message).toContain('GET /organizations');
  });

  it('JSON Lines by default, with the batch id; a refusal is a retryable failure that honours Retry-After', async () => {
    await sink('jsonl').deliver(batch);
    const { headers, body } = received.at(-1)!;
    expect(headers['x-bollard-batch']).toBe('1-3');
    expect(
      body
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).seq),
    ).toEqual([1, 2, 3]);
    status = 429;
    const failure = await sink('jsonl')
      .deliver(batch)
      .catch((error: unknown) => error);
    status = 200;
    expect(failure).toBeInstanceOf(SinkDeliveryError);
    expect((failure as SinkDeliveryError).options.retryAfterMs).toBe(7_000);
  });
});

describe('stdout sink', () => {
  it('writes one {"bollard_audit": record} line per record', async () => {
    let text = '';
    const out = new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    });
    expect(await new StdoutSink('stdout', 10, out).deliver(batch)).toBe(3);
    expect(
      text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).bollard_audit.seq),
    ).toEqual([1, 2, 3]);
  });
});
