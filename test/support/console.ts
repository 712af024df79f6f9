import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkOS } from '@workos-inc/node';
import type { Page } from 'playwright-core';
import { launchChromium, type TestBrowser } from './browser.js';
import { type BollardProcess, startBollardProcess } from './processes.js';

/** `bollard start` in demo mode (the emulator upstream) and Chromium, with one page on the console. */
export interface ConsoleWorld {
  bollard: BollardProcess;
  browser: TestBrowser;
  page: Page;
  /** `http://127.0.0.1:PORT`, the admin port and console. */
  origin: string;
  adminToken: string;
  /** The banner's one-time sign-in link. */
  signInLink: string;
  /** The demo agents' tokens, as the banner prints them (support-bot, provisioner, auditor). */
  demoTokens: string[];
  /** Every origin the page requested anything from. */
  requested: Set<string>;
  /** Opens a console route (`/catalog?area=users`) and waits for its heading. */
  open(route: string): Promise<void>;
  /** The official SDK pointed at the proxy with an agent token. */
  sdk(agentToken: string): WorkOS;
  close(): Promise<void>;
}

export async function startConsoleWorld(): Promise<ConsoleWorld> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bollard-console-e2e-'));
  const bollard = await startBollardProcess({}, ['--data-dir', dataDir, '--log-level', 'warn']);
  const banner = bollard.output();
  const origin = new URL(bollard.adminUrl).origin;
  const browser = await launchChromium();
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  const page = await browser.context.newPage();
  const requested = new Set<string>();
  page.on('request', (request) => requested.add(new URL(request.url()).origin));
  page.on('dialog', (dialog) => void dialog.accept());
  const proxy = new URL(bollard.proxyUrl);
  return {
    bollard,
    browser,
    page,
    origin,
    adminToken: /Admin token \(shown once\)\s+(boladm_\S+)/.exec(banner)![1]!,
    signInLink: /Console\s+(\S+)/.exec(banner)![1]!,
    demoTokens: [...banner.matchAll(/^\s+(bol_\S+)$/gm)].map((m) => m[1]!),
    requested,
    async open(route) {
      await page.goto(`${origin}/#${route}`);
      await page.locator('main h1').first().waitFor();
    },
    sdk: (agentToken) =>
      new WorkOS(agentToken, { apiHostname: proxy.hostname, port: Number(proxy.port), https: false }),
    async close() {
      await browser.close();
      await bollard.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
