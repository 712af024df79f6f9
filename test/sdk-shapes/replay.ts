import { request } from 'undici';
import type { EmulatorLogEntry, Harness } from '../support/harness.js';
import type { WireShape } from './shapes.js';

/** What came back, as the SDK would read it. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

// Connection-level or per-hop response headers, and Bollard's own id: never part of the comparison.
const VOLATILE_RESPONSE_HEADERS = new Set(['date', 'connection', 'keep-alive', 'x-bollard-request-id']);

/** Response headers that must match between a direct and a proxied call. */
export function comparableHeaders(answer: Answer): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(answer.headers).filter(([name]) => !VOLATILE_RESPONSE_HEADERS.has(name)),
  );
}

/** The request log entry without its arrival time. */
export function comparableLog(entry: EmulatorLogEntry): Omit<EmulatorLogEntry, 'time'> {
  const { time: _time, ...rest } = entry;
  return rest;
}

/** Fills `{name}` placeholders, also where an SDK's encoder turned the braces into `%7B…%7D`. */
function fill(text: string, vars: Record<string, string>): string {
  return text.replace(/(?:\{|%7B)([a-z_]+)(?:\}|%7D)/g, (whole, name: string) => vars[name] ?? whole);
}

/** Sends a shape's bytes, placeholders filled, `{secret}` being the credential of this side. */
export async function send(base: string, shape: WireShape, vars: Record<string, string>): Promise<Answer> {
  const headers = Object.fromEntries(Object.entries(shape.headers).map(([k, v]) => [k, fill(v, vars)]));
  const path = fill(shape.path, vars) + (shape.query ? `?${fill(shape.query, vars)}` : '');
  const response = await request(`${base}${path}`, {
    method: shape.method,
    headers,
    body: shape.body === null ? undefined : fill(shape.body, vars),
  });
  return { status: response.statusCode, headers: response.headers, body: await response.body.text() };
}

/** Direct calls to the emulator with its key, for setting up the objects a shape acts on. */
async function direct(h: Harness, method: string, path: string, body?: unknown) {
  const response = await request(`${h.emulator.url}${path}`, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${h.emulator.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, json: text ? JSON.parse(text) : null };
}

async function firstId(h: Harness, path: string): Promise<string> {
  const list = await direct(h, 'GET', `${path}${path.includes('?') ? '&' : '?'}limit=100`);
  return String(list.json.data[0].id);
}

/**
 * Resets the (deterministic) emulator and makes the objects the shapes act on, directly. Run before
 * each side of a comparison, it gives both sides the very same state, ids included.
 */
export async function prepare(h: Harness, extra?: () => Promise<void>): Promise<Record<string, string>> {
  await h.emulator.reset();
  await extra?.();
  const org = await firstId(h, '/organizations');
  const conn = await firstId(h, '/connections');
  const dir = await firstId(h, '/directories');
  const factor = (
    await direct(h, 'POST', '/auth/factors/enroll', {
      type: 'totp',
      totp_issuer: 'Bollard',
      totp_user: 'a@example.com',
    })
  ).json.id;
  const authorize = await direct(
    h,
    'GET',
    `/sso/authorize?client_id=${h.emulator.clientId}&connection=${conn}&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fcallback&response_type=code`,
  );
  const vars: Record<string, string> = {
    client: h.emulator.clientId,
    org,
    conn,
    dir,
    user: await firstId(h, '/user_management/users'),
    dir_user: await firstId(h, `/directory_users?directory=${dir}`),
    dir_group: await firstId(h, `/directory_groups?directory=${dir}`),
    magic: (await direct(h, 'POST', '/user_management/magic_auth', { email: 'm@example.com' })).json.id,
    factor,
    challenge: (await direct(h, 'POST', `/auth/factors/${factor}/challenge`, {})).json.id,
    domain: (
      await direct(h, 'POST', '/organization_domains', { domain: 'setup.acme.test', organization_id: org })
    ).json.id,
    code: new URL(String(authorize.headers.location)).searchParams.get('code') ?? '',
    export: (
      await direct(h, 'POST', '/audit_logs/exports', {
        organization_id: org,
        range_start: '2026-11-30T00:00:00.000Z',
        range_end: '2026-12-01T00:00:00.000Z',
      })
    ).json.id,
  };
  await h.clearEmulatorRequests();
  return vars;
}

/** Creates one more organization directly, so a `limit=1` walk has three pages. */
export async function addThirdOrganization(h: Harness): Promise<void> {
  await direct(h, 'POST', '/organizations', { name: 'Third Org' });
}
