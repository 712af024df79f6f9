/**
 * Makes the README's console pictures: starts `bollard start` in demo mode (emulator upstream, fresh
 * state in a temp dir), sends a few agent calls through the proxy (allowed and denied), signs in with the
 * banner's one-time link and captures the Catalog and Activity pages at 1280 px in the light scheme.
 *   npm run console:screenshots            # writes docs/console-catalog.png and docs/console-activity.png
 *   npm run console:screenshots -- OUTDIR  # somewhere else
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchChromium } from './chromium.js';

const repo = path.resolve(import.meta.dirname, '..');
const out = path.resolve(process.argv[2] ?? path.join(repo, 'docs'));

async function startDemo(dataDir: string) {
  const env = { ...process.env };
  for (const name of Object.keys(env))
    if (/^(BOLLARD_|WORKOS_)|^(DATABASE|REDIS)_URL$/.test(name)) delete env[name];
  const child = spawn(
    process.execPath,
    [
      'bin/bollard.js',
      'start',
      '--port',
      '0',
      '--admin-port',
      '0',
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
    ],
    { cwd: repo, env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let banner = '';
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bollard start exited with ${code}`)));
    child.stdout.on('data', (chunk) => {
      banner += String(chunk);
      if (banner.includes('npx bollard logs --follow')) resolve();
    });
  });
  const tokens = [...banner.matchAll(/^\s+(bol_\S+)$/gm)].map((m) => m[1]!);
  return {
    child,
    proxyUrl: /Proxy for agents\s+(\S+)/.exec(banner)![1]!,
    signInLink: /Console\s+(\S+)/.exec(banner)![1]!,
    reader: tokens[0]!,
    writer: tokens[1]!,
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bollard-screenshots-'));
  const demo = await startDemo(dataDir);
  const browser = await launchChromium();
  try {
    const call = (token: string, method: string, target: string, body?: unknown) =>
      fetch(demo.proxyUrl + target, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then((response) => response.arrayBuffer());
    await call(demo.reader, 'GET', '/organizations');
    await call(demo.reader, 'GET', '/user_management/users?limit=5');
    await call(demo.writer, 'POST', '/organizations', { name: 'Initech' });
    await call(demo.reader, 'POST', '/organizations', { name: 'Not allowed' });
    await call(demo.reader, 'DELETE', '/organizations/org_01HNOTALLOWED');
    await call(demo.reader, 'GET', '/directories');

    const page = await browser.context.newPage();
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(demo.signInLink);
    await page.getByRole('heading', { name: 'Catalog', level: 1 }).waitFor();
    const origin = new URL(demo.signInLink).origin;
    mkdirSync(out, { recursive: true });

    await page.goto(`${origin}/#/catalog?area=organizations&endpoint=organizations.delete`);
    await page.getByTestId('endpoint-detail').waitFor();
    await page.screenshot({ path: path.join(out, 'console-catalog.png') });

    await page.goto(`${origin}/#/activity`);
    const denial = page.locator('tr', { hasText: 'POST /organizations' }).filter({ hasText: 'deny' });
    await denial.first().getByRole('button').click();
    await page.getByTestId('record-detail').waitFor();
    await page.screenshot({ path: path.join(out, 'console-activity.png') });
    console.log(
      `wrote ${path.join(out, 'console-catalog.png')} and ${path.join(out, 'console-activity.png')}`,
    );
  } finally {
    await browser.close();
    demo.child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
