import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Environment } from './context.js';
import { createControl } from './control.js';
import { DEFAULT_API_KEY, DEFAULT_CLIENT_ID, DEFAULT_PORT } from './defaults.js';
import { createEmitter } from './events.js';
import { FaultInjector } from './faults.js';
import { handleRequest, type Pipeline } from './handle-request.js';
import { IdempotencyStore } from './idempotency.js';
import { createIdFactory } from './ids.js';
import { createSigningKeys } from './jwt.js';
import type { EmulatorOptions } from './options.js';
import { createRandom } from './random.js';
import { RateLimiter } from './rate-limits.js';
import { RequestLog } from './request-log.js';
import { buildRouter } from './routes.js';
import { applySeed, resolveSeed } from './seed.js';
import { EmulatorState } from './state.js';
import { WebhookDeliverer } from './webhook-delivery.js';

export { DEFAULT_API_KEY, DEFAULT_CLIENT_ID, DEFAULT_PORT };

/** A running emulator: where it is, its credentials, and in-process access for tests. */
export interface RunningEmulator {
  url: string;
  apiKey: string;
  clientId: string;
  /** Live state (read it in tests; change it through the control endpoints or `reset`). */
  readonly state: EmulatorState;
  /** The request log and fault injector behind `/_emulator/requests` and `/_emulator/faults`. */
  readonly requests: RequestLog;
  readonly faults: FaultInjector;
  /** Webhook delivery attempts so far. */
  readonly webhookAttempts: WebhookDeliverer['attempts'];
  /**
   * Sends every event to this endpoint too (as `webhookUrl`/`webhookSecret` at start do), or to none with
   * undefined: for a host that learns its own receiver's address only after the emulator is up.
   */
  setWebhookTarget(target: { url: string; secret: string } | undefined): void;
  /** Clears everything and loads `seed` (default: the start-up seed). */
  reset(seed?: EmulatorOptions['seed']): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a local WorkOS on `host:port`, seeded and listening.
 *
 * @example
 * const emu = await startEmulator({ port: 0, seed: 'none', rateLimits: false });
 * const workos = new WorkOS(emu.apiKey, { apiHostname: '127.0.0.1', port: Number(new URL(emu.url).port), https: false, clientId: emu.clientId });
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const now = options.now ?? Date.now;
  const random = createRandom(options.deterministic ? 'bollard-emulator' : undefined);
  const deliverer = new WebhookDeliverer();
  let startTarget =
    options.webhookUrl !== undefined
      ? { url: options.webhookUrl, secret: options.webhookSecret ?? '' }
      : undefined;
  const newId = createIdFactory(now, random);
  const env: Environment = {
    state: new EmulatorState(),
    apiKey: options.apiKey ?? DEFAULT_API_KEY,
    clientId: options.clientId ?? DEFAULT_CLIENT_ID,
    baseUrl: '',
    now,
    newId,
    random,
    limiter: new RateLimiter(options.rateLimits ?? true, now),
    keys: createSigningKeys(newId('sso_oidc_key_pair_')),
    emit: () => {},
  };
  env.emit = createEmitter(
    () => env,
    deliverer,
    () => startTarget,
  );
  const startSeed = options.seed ?? 'demo';
  const pipeline: Pipeline = {
    env,
    router: buildRouter(),
    log: new RequestLog(),
    faults: new FaultInjector(),
    idempotency: new IdempotencyStore(now),
    logRequests: options.logRequests ?? false,
    control: async () => ({ status: 404, kind: 'empty' }),
  };
  const reset = async (seed: EmulatorOptions['seed'] = startSeed) => {
    env.state = new EmulatorState();
    random.restart();
    env.limiter.reset();
    pipeline.idempotency.clear();
    pipeline.faults.clear();
    pipeline.log.clear();
    await applySeed(env, resolveSeed(seed));
  };
  pipeline.control = createControl(pipeline, reset, deliverer);
  await applySeed(env, resolveSeed(startSeed));
  const server = createServer((req, res) => void handleRequest(pipeline, req, res));
  await listen(server, options.port ?? DEFAULT_PORT, options.host ?? '127.0.0.1');
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  env.baseUrl = `http://${host}:${address.port}`;
  return {
    url: env.baseUrl,
    apiKey: env.apiKey,
    clientId: env.clientId,
    get state() {
      return env.state;
    },
    requests: pipeline.log,
    faults: pipeline.faults,
    webhookAttempts: deliverer.attempts,
    setWebhookTarget(target) {
      startTarget = target;
    },
    reset,
    close: () => closeServer(server, deliverer),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server, deliverer: WebhookDeliverer): Promise<void> {
  deliverer.close();
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
