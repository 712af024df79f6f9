import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app/index.js';
import { auditDraft, verifyChain } from '../src/audit/index.js';
import { loadConfig } from '../src/config/index.js';

const DAY = 24 * 60 * 60 * 1000;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function app(dataDir: string, auditRetentionDays: number) {
  const config = loadConfig({ dataDir, auditRetentionDays, auditSynchronous: 'normal' }, {});
  return createApp(config, {
    logger: pino({ level: 'silent' }),
    upstream: { url: 'http://127.0.0.1:9', apiKey: 'sk_test_x' },
  });
}

describe('audit retention', () => {
  it('removes records older than BOLLARD_AUDIT_RETENTION_DAYS in whole segments, and the chain still verifies', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'bollard-retention-'));
    dirs.push(dataDir);
    const first = await app(dataDir, 0);
    const draft = (time: number, requestId: string) =>
      auditDraft({ kind: 'system', time: new Date(time).toISOString(), requestId });
    for (let i = 0; i < 5; i++) await first.audit.append(draft(Date.now() - 100 * DAY + i, `old-${i}`));
    for (let i = 0; i < 3; i++) await first.audit.append(draft(Date.now() - DAY + i, `recent-${i}`));
    await first.close();

    const second = await app(dataDir, 30);
    try {
      let left: string[] = [];
      for (let attempt = 0; attempt < 50; attempt++) {
        left = (await second.store.queryAudit({ order: 'asc', limit: 100 })).map((r) => r.requestId);
        if (!left.some((id) => id.startsWith('old-'))) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(left).toEqual(['recent-0', 'recent-1', 'recent-2']);
      expect(await verifyChain(second.store)).toMatchObject({ ok: true, count: 3 });
    } finally {
      await second.close();
    }
  });
});
