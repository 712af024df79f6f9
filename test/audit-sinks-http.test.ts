import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/emulator/index.js';
import type { AuditRecord } from '../src/store/types.js';
import { type BollardProcess, startBollardProcess } from './support/processes.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const ADMIN_TOKEN = 'http-sink-test-admin-token-0123456789';
const SECRET = 'sink-hmac-secret-0123456789';

/**
 * A SIEM collector that can be down (503), hang (never answer: a batch in flight when Bollard dies), or up.
 * It checks each batch's HMAC and keeps only batches it acknowledged, as a real collector would.
 */
class Receiver {
  mode: 'down' | 'hang' | 'up' = 'down';
  /** Once this many records are accepted, stop answering (a batch stays in flight). */
  hangAfter = Number.POSITIVE_INFINITY;
  readonly accepted: AuditRecord[] = [];
  readonly batches: string[] = [];
  refused = 0;
  hung = 0;
  badSignatures = 0;
  private readonly hanging: ServerResponse[] = [];
  server: Server = createServer((req, res) => void this.handle(req, res));

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/collect`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const [t, v1] = String(req.headers['x-bollard-signature']).split(', ');
    const expected = createHmac('sha256', SECRET)
      .update(`${t?.slice(2)}.`)
      .update(body)
      .digest('hex');
    if (v1 !== `v1=${expected}`) {
      this.badSignatures++;
      res.writeHead(401).end();
      return;
    }
    if (this.mode === 'down') {
      this.refused++;
      res.writeHead(503, { 'retry-after': '0' }).end('collector is down');
      return;
    }
    if (this.mode === 'up' && this.accepted.length >= this.hangAfter) this.mode = 'hang';
    if (this.mode === 'hang') {
      this.hung++;
      this.hanging.push(res);
      return;
    }
    const text =
      req.headers['content-encoding'] === 'gzip' ? gunzipSync(body).toString('utf8') : body.toString();
    const records = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as AuditRecord);
    this.batches.push(String(req.headers['x-bollard-batch']));
    this.accepted.push(...records);
    res.writeHead(200).end('{}');
  }

  close(): void {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    this.server.close();
  }
}

let emulator: RunningEmulator;
let receiver: Receiver;
let dataDir: string;
let env: Record<string, string>;
let bollard: BollardProcess;

async function admin(method: string, url: string, body?: unknown) {
  const response = await fetch(`${bollard.adminUrl}/api/v1${url}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  return response.headers.get('content-type')?.includes('json') ? response.json() : response.text();
}

async function calls(token: string, n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const response = await fetch(`${bollard.proxyUrl}/organizations?limit=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await response.arrayBuffer();
    statuses.push(response.status);
  }
  return statuses;
}

/** The chain's head (the entries of `GET /audit` merge an outcome into its call, so they may end before it). */
async function headSeq(): Promise<number> {
  return ((await admin('POST', '/audit/verify')) as { lastSeq: number }).lastSeq;
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 'demo' });
  receiver = new Receiver();
  const url = await receiver.listen();
  dataDir = mkdtempSync(path.join(tmpdir(), 'bollard-http-sink-'));
  env = {
    WORKOS_API_KEY: emulator.apiKey,
    BOLLARD_UPSTREAM: emulator.url,
    BOLLARD_DATA_DIR: dataDir,
    BOLLARD_ADMIN_TOKEN: ADMIN_TOKEN,
    BOLLARD_AUDIT_SYNCHRONOUS: 'normal',
    BOLLARD_WEBHOOK_ALLOW_PRIVATE: '1',
    BOLLARD_AUDIT_SINKS: JSON.stringify([
      { type: 'http', name: 'siem', url, secret: SECRET, batchSize: 10, retryMinMs: 20, retryMaxMs: 200 },
    ]),
  };
  bollard = await startBollardProcess(env);
});

afterAll(async () => {
  await bollard?.stop();
  receiver?.close();
  await emulator?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('HTTP sink', () => {
  it('never holds calls while the collector is down, and delivers every record exactly once, in order, across a kill -9', async () => {
    const { token } = (await admin('POST', '/agents', {
      name: 'siem-bot',
      grants: ['organizations:read'],
    })) as {
      token: string;
    };
    // The collector is down: calls go on, the sink falls behind and says so.
    expect(await calls(token, 30)).toEqual(Array(30).fill(200));
    await vi.waitFor(() => expect(receiver.refused).toBeGreaterThan(2), 20_000);
    const metrics = await (
      await fetch(`${bollard.adminUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).text();
    const lag = Number(metrics.match(/bollard_audit_sink_lag_records\{sink="siem"\} (\d+)/)?.[1]);
    console.log(`collector down: ${receiver.refused} refused batches so far, sink lag ${lag} records`);
    expect(lag).toBeGreaterThan(30);

    // It comes back for a while, then hangs with a batch in flight, and Bollard dies by SIGKILL.
    receiver.hangAfter = 20;
    receiver.mode = 'up';
    await vi.waitFor(() => expect(receiver.hung).toBeGreaterThan(0), 20_000);
    const died = new Promise((resolve) => bollard.child.once('exit', resolve));
    bollard.child.kill('SIGKILL');
    await died;
    const beforeRestart = receiver.accepted.length;

    // Restarted, the collector up again: it resumes from its durable cursor.
    receiver.hangAfter = Number.POSITIVE_INFINITY;
    receiver.mode = 'up';
    bollard = await startBollardProcess(env);
    expect(await calls(token, 10)).toEqual(Array(10).fill(200));
    // Outcomes are written just after the answer: wait for the head to settle and the collector to reach it.
    let head = 0;
    await vi.waitFor(async () => {
      head = await headSeq();
      expect(receiver.accepted.at(-1)?.seq).toBe(head);
    }, 30_000);

    const seqs = receiver.accepted.map((r) => r.seq);
    console.log(
      `delivered ${seqs.length} records in ${receiver.batches.length} batches (${beforeRestart} before the kill -9); ` +
        `${receiver.refused} refused while down, ${receiver.hung} hung, ${receiver.badSignatures} bad signatures`,
    );
    expect(receiver.badSignatures).toBe(0);
    expect(seqs).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    // Chained: each record names the one before it.
    for (let i = 1; i < receiver.accepted.length; i++)
      expect(receiver.accepted[i]!.prevHash).toBe(receiver.accepted[i - 1]!.hash);
  });
});
