import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). No browser is ever downloaded. */
export const CHROMIUM = '/usr/bin/chromium';

export interface LaunchedChromium {
  /** One browser profile (cookies shared by its pages), in a fresh user-data-dir. */
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches the system Chromium headless with a fresh profile (`--user-data-dir`, passed the way Playwright
 * takes it), offline-minded: no sync, component updates, background networking or QUIC.
 * @example const { context, close } = await launchChromium(); const page = await context.newPage();
 */
export async function launchChromium(): Promise<LaunchedChromium> {
  const profile = mkdtempSync(path.join(tmpdir(), 'bollard-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
