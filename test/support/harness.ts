import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { WorkOS } from '@workos-inc/node';
import pino from 'pino';
import { type AppOptions, type BollardApp, createApp, listen } from '../../src/app/create-app.js';
import { loadConfig } from '../../src/config/index.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import type { AuditRecord } from '../../src/store/types.js';

/** One request the emulator received, as its control API reports it. */
export interface EmulatorLogEntry {
  time: string;
  method: string;
  path: string;
  query: Record<string, unknown> | string;
  rawQuery: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface Harness {
  app: BollardApp;
  emulator: RunningEmulator;
  proxyUrl: string;
  port: number;
  dataDir: string;
  /** Everything Bollard logged, as text. */
  logs(): string;
  /** Creates an agent and returns its token. */
  agent(name: string, grants: string[]): Promise<string>;
  /** The official SDK pointed at Bollard with the agent token as its API key. */
  sdk(token: string, options?: { maxRetries?: number }): WorkOS;
  emulatorRequests(): Promise<EmulatorLogEntry[]>;
  clearEmulatorRequests(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real Bollard (real SQLite file in a temp dir, real proxy on port 0) in front of the real emulator.
 * The WorkOS key is random per harness so a scan for it cannot be fooled by a constant.
 */
export async function startHarness(
  options: {
    config?: Partial<ConfigInput>;
    app?: AppOptions;
    emulatorRateLimits?: boolean;
    emulator?: Pick<EmulatorOptions, 'deterministic' | 'now' | 'seed'>;
  } = {},
): Promise<Harness> {
  const apiKey = `sk_test_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const emulator = await startEmulator({
    port: 0,
    seed: 'demo',
    apiKey,
    rateLimits: options.emulatorRateLimits ?? false,
    ...options.emulator,
  });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bollard-test-'));
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  // NORMAL keeps the many tests that are not about durability from waiting on fsync; the audit tests ask for FULL.
  // The security suites send hundreds of calls without a token from one address on purpose: the per-source
  // 429 for anonymous failures is off here, and on in the tests about it (test/security/).
  const config = loadConfig(
    {
      dataDir,
      port: 0,
      adminPort: 0,
      logLevel: 'info',
      auditSynchronous: 'normal',
      anonymousFailureBurst: 0,
      ...options.config,
    },
    {},
  );
  const app = await createApp(config, {
    logger: pino({ level: 'info' }, sink),
    upstream: { url: emulator.url, apiKey: emulator.apiKey },
    ...options.app,
  });
  const proxyUrl = await listen(app.proxy, 0, '127.0.0.1');
  const port = Number(new URL(proxyUrl).port);
  const actor = { kind: 'admin' as const, name: 'test' };
  return {
    app,
    emulator,
    proxyUrl,
    port,
    dataDir,
    logs: () => lines.join(''),
    async agent(name, grants) {
      return (await app.agents.create({ name, grants }, actor)).token;
    },
    sdk(token, sdkOptions = {}) {
      return new WorkOS(token, {
        apiHostname: '127.0.0.1',
        port,
        https: false,
        clientId: emulator.clientId,
        maxRetries: sdkOptions.maxRetries ?? 0,
      });
    },
    async emulatorRequests() {
      const response = await fetch(`${emulator.url}/_emulator/requests`);
      return (await response.json()) as EmulatorLogEntry[];
    },
    async clearEmulatorRequests() {
      await fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });
    },
    async close() {
      await app.close();
      await emulator.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every audit record the app's store holds, in chain order. */
export async function auditRecords(app: BollardApp, fromSeq?: number): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const record of app.store.scanAudit(fromSeq)) out.push(record);
  return out;
}

/** How many calls a record stands for: an aggregate of repeated denials carries their count. */
export { callsRepresented } from '../../src/audit/index.js';
