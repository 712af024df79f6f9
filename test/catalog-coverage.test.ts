import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseOpenApiOperations } from '../src/catalog/build/parse-openapi.js';
import { parseSdkCalls } from '../src/catalog/build/parse-reference.js';
import { parseSeedEvents, parseSeedRows } from '../src/catalog/build/parse-seed.js';
import { events, findByTemplate, getEndpoint } from '../src/catalog/index.js';

// The WorkOS sources live beside the repository; a fresh clone without them skips, saying why.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = path.resolve(repoRoot, '../shared');
const available = existsSync(path.join(shared, 'workos/openapi.yaml'));
if (!available) console.warn(`catalog coverage tests skipped: ${shared} (the WorkOS sources) is absent`);
const read = (file: string) => readFileSync(path.join(shared, file), 'utf8');

/** `password_failed|succeeded` → both names: each alternative replaces the last word of the first. */
function expandAlternatives(item: string): string[] {
  const [first = '', ...rest] = item.split('|');
  const stem = first.slice(0, Math.max(first.lastIndexOf('.'), first.lastIndexOf('_')) + 1);
  return [first, ...rest.map((alternative) => `${stem}${alternative}`)];
}

/** Expands §6.3's `prefix.{a, b|c}` lists into event names. */
function sdkEventNames(reference: string): string[] {
  const from = reference.indexOf('Event names the v11 deserializer knows');
  const section = reference.slice(from, reference.indexOf('- Webhook endpoint management', from));
  return [...section.matchAll(/`([^`]+)`/g)].flatMap((match) => {
    const chunk = match[1] ?? '';
    const brace = chunk.indexOf('{');
    if (brace < 0) return [chunk];
    const prefix = chunk.slice(0, brace);
    const items = chunk.slice(brace + 1, chunk.lastIndexOf('}')).split(',');
    return items.flatMap((item) => expandAlternatives(item.trim())).map((name) => `${prefix}${name}`);
  });
}

describe.skipIf(!available)('catalog covers the WorkOS sources', () => {
  it('holds every OpenAPI operation (212), with its operationId', () => {
    const operations = parseOpenApiOperations(parse(read('workos/openapi.yaml')));
    expect(operations).toHaveLength(212);
    const missing = operations.filter(
      (op) => findByTemplate(op.method, op.path)?.operationId !== op.operationId,
    );
    expect(missing.map((op) => `${op.method} ${op.path}`)).toEqual([]);
  });

  it('holds every method + path the SDK v11 calls (REFERENCE §1.3), naming the SDK methods', () => {
    const calls = parseSdkCalls(read('workos/REFERENCE.md'));
    // 223 client calls + 4 URL-builder or direct-fetch surfaces (REFERENCE §1.1).
    expect(new Set(calls.map((call) => `${call.method} ${call.path}`)).size).toBe(227);
    for (const call of calls) {
      const endpoint = findByTemplate(call.method, call.path);
      expect(endpoint, `${call.method} ${call.path}`).toBeDefined();
      for (const sdkMethod of call.sdkMethods) expect(endpoint?.sdkMethods).toContain(sdkMethod);
    }
  });

  it("keeps all 36 seed rows with the seed's own wording", () => {
    const rows = parseSeedRows(read('seed/000_9152007844d74ec6.txt'));
    expect(rows).toHaveLength(36);
    for (const row of rows) {
      const endpoint = findByTemplate(row.method, row.path);
      expect(endpoint, `seed row ${row.row}`).toBeDefined();
      if (!endpoint) continue;
      expect(endpoint.seedRow).toBe(row.row);
      expect(endpoint.summary).toBe(row.summary);
      expect(endpoint.access).toBe(row.access);
      expect(endpoint.actsOn).toBe(row.actsOn);
      expect(endpoint.since).toBe(row.version);
      if (row.webhookEvent) expect(endpoint.webhookEvents).toContain(row.webhookEvent);
      if (row.rateLimit !== 'Standard limits apply') {
        expect(endpoint.rateLimits.map((rule) => rule.description).join(' | ')).toContain(row.rateLimit);
      }
    }
  });

  it("keeps the seed's 21 events with their wording and triggers", () => {
    const seedEvents = parseSeedEvents(read('seed/000_9152007844d74ec6.txt'));
    expect(seedEvents).toHaveLength(21);
    for (const seedEvent of seedEvents) {
      const event = events.find((candidate) => candidate.name === seedEvent.name);
      expect(event, seedEvent.name).toMatchObject({
        summary: seedEvent.summary,
        trigger: seedEvent.trigger,
        seed: true,
      });
      const triggerPaths = event?.triggeredBy.map((id) => getEndpoint(id)?.path.replace(/\{[^}]+\}/g, '{}'));
      if (seedEvent.trigger === 'In-app only') expect(triggerPaths).toEqual([]);
      else expect(triggerPaths).toContain(seedEvent.trigger.replace(/\{[^}]+\}/g, '{}'));
    }
  });

  it('knows every event the SDK v11 deserializer knows (REFERENCE §6.3)', () => {
    const names = sdkEventNames(read('workos/REFERENCE.md'));
    expect(names.length).toBeGreaterThanOrEqual(70);
    const known = new Set(events.map((event) => event.name));
    expect(names.filter((name) => !known.has(name))).toEqual([]);
  });
});
