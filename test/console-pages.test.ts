import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, seriousViolations } from './support/browser.js';
import { type ConsoleWorld, startConsoleWorld } from './support/console.js';

/**
 * Every console page in real Chromium: axe-core finds nothing serious or critical, light and dark, at
 * 1280 and 390 px; a screenshot of each is written outside the repository (the path is printed). The
 * browser signs in through the banner's one-time link, and the demo agents make a few calls first so
 * the pages show data.
 */

let world: ConsoleWorld;
let page: Page;
const open = (route: string) => world.open(route);
const shots = process.env.BOLLARD_CONSOLE_SCREENSHOTS ?? mkdtempSync(path.join(tmpdir(), 'bollard-console-'));

beforeAll(async () => {
  world = await startConsoleWorld();
  page = world.page;
  mkdirSync(shots, { recursive: true });
  console.log(`console screenshots: ${shots}`);
}, 60_000);

afterAll(async () => {
  await world?.close();
});

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('every console page', () => {
  it('signs in with the one-time link from the banner, which works once', async () => {
    const [reader, writer] = world.demoTokens;
    await world.sdk(reader!).organizations.listOrganizations();
    await world.sdk(writer!).organizations.createOrganization({ name: 'Initech' });
    await world
      .sdk(reader!)
      .organizations.createOrganization({ name: 'Refused' })
      .catch(() => undefined);
    await page.goto(world.signInLink);
    await page.getByRole('heading', { name: 'Catalog', level: 1 }).waitFor();
    expect(page.url()).not.toContain('code=');
    const [cookie] = await world.browser.context.cookies(world.origin);
    const second = await world.browser.context.newPage();
    await world.browser.context.clearCookies();
    await second.goto(world.signInLink);
    await second.getByRole('alert').getByText('unknown, used or expired').waitFor();
    await second.close();
    await world.browser.context.addCookies([cookie!]);
  });

  const PAGES = [
    ['overview', '/overview', 'Overview'],
    ['catalog', '/catalog?area=organizations&endpoint=organizations.delete', 'Catalog'],
    ['agents', '/agents', 'Agents'],
    ['agent', '/agents/support-bot', 'support-bot'],
    ['agent-editor', '/agents/new', 'New agent'],
    ['activity', '/activity', 'Activity'],
    ['approvals', '/approvals', 'Approvals'],
    ['webhooks', '/webhooks', 'Webhooks'],
    ['policy', '/policy', 'Policy'],
  ] as const;

  it('has no serious or critical axe-core violations on any page, light and dark, at 1280 and 390 px; screenshots each', async () => {
    const found: Record<string, unknown> = {};
    let scanned = 0;
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
        for (const [name, route, heading] of PAGES) {
          await open(route);
          await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
          await expect.poll(() => page.getByText(/^Loading /).count()).toBe(0);
          await page.screenshot({ path: path.join(shots, `${name}-${width}-${scheme}.png`) });
          // Dark at 390 px has the colours of dark at 1280 and the layout of light at 390: already scanned.
          if (scheme === 'dark' && width === 390) continue;
          const violations = await seriousViolations(page);
          scanned++;
          if (violations.length) found[`${name} ${width} ${scheme}`] = violations;
        }
      }
    }
    console.log(`axe-core: ${scanned} page views scanned, none serious or critical; screenshots in ${shots}`);
    expect(found).toEqual({});
  }, 90_000);

  it('approves a held call from the Approvals page, and the agent’s waiting SDK call goes through', async () => {
    const made = await fetch(`${world.origin}/api/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'careful-bot',
        grants: ['organizations:write'],
        approve: ['organizations:write'],
      }),
    });
    expect(made.status).toBe(201);
    const { token } = (await made.json()) as { token: string };
    const held = world.sdk(token).organizations.createOrganization({ name: 'Approved Inc' });
    await world.open('/approvals');
    const row = page.getByRole('link', { name: 'POST /organizations' });
    await expect
      .poll(async () => {
        await page.reload();
        return row.count();
      })
      .toBe(1);
    await row.click();
    await page.getByText('careful-bot').first().waitFor();
    await page.getByLabel('Reason (optional)').fill('ticket 7');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText(/^Approved: now (approved|used)\./).waitFor();
    expect((await held).name).toBe('Approved Inc');
  });

  it('says on every page when the store or WorkOS is down (what /readyz answers then)', async () => {
    // The readiness answer of a Bollard whose store and upstream are failing, given to the page as is.
    await page.route('**/readyz', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({
          status: 'unavailable',
          ready: false,
          checks: { store: false, upstream: false, policy: true },
        }),
      }),
    );
    await open('/agents');
    await page.reload(); // a new hash alone keeps the page: reload it so it asks /readyz now
    const banner = page.getByTestId('health-banner');
    await expect.poll(() => banner.textContent()).toContain('The audit store is down');
    expect(await banner.textContent()).toContain('WorkOS is failing');
    await page.unroute('**/readyz');
    await page.reload();
    await page.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
    await expect.poll(() => page.getByTestId('health-banner').count()).toBe(0);
  });

  it('is keyboard navigable: Tab reaches the navigation and Enter opens a page', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 900 });
    await open('/overview');
    await page.keyboard.press('Tab'); // skip link
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement?.textContent')).toBe('Catalog');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Catalog', level: 1 }).waitFor();
  });

  it('signs a viewer operator in with its role: it reads every page but is offered no change', async () => {
    const made = await fetch(`${world.origin}/api/v1/operators`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'vera', role: 'viewer' }),
    });
    const { token } = (await made.json()) as { token: string };
    await world.browser.context.clearCookies();
    await world.open('/agents');
    await page.getByLabel('Admin token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('vera (viewer)').waitFor();
    await world.open('/agents');
    await page.getByRole('link', { name: 'support-bot' }).waitFor();
    expect(await page.getByRole('link', { name: 'New agent' }).count()).toBe(0);
    await world.open('/agents/support-bot');
    await page.getByRole('heading', { name: 'Tokens' }).waitFor();
    expect(await page.getByRole('button', { name: 'Revoke tokens' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Rotate token' }).isDisabled()).toBe(true);
  });
});
