import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { type AgentService, createAgentService } from '../agents/index.js';
import { AuditWriter, redactBody, redactQuery, sealRecord } from '../audit/index.js';
import { match } from '../catalog/index.js';
import type { RateLimitRule } from '../catalog/types.js';
import type { BollardConfig } from '../config/index.js';
import {
  CredentialCache,
  createProxyServer,
  createUpstreamDispatcher,
  type GatewayDeps,
  type LocalRoute,
} from '../gateway/index.js';
import { createMcpRoutes } from '../mcp/index.js';
import {
  createGatewayLimiter,
  createUpstreamBreaker,
  type LimiterPolicy,
  type UpstreamBreakerOptions,
} from '../ratelimit/index.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { createWebhookRelay, type WebhookRelay, type WebhookRelayOptions } from '../webhooks/index.js';
import { withChangeHook } from './change-hook.js';
import { startAuditRetention } from './retention.js';

/** Hooks for tests and embedding: everything has a production default. */
export interface AppOptions {
  logger?: Logger;
  now?: () => number;
  /** Upstream to use instead of the configured one (tests point it at an emulator). */
  upstream?: { url: string; apiKey: string };
  localRoutes?: ReadonlyMap<string, LocalRoute>;
  /** Webhook relay settings beyond the configuration (tests use a millisecond retry schedule). */
  webhooks?: WebhookRelayOptions;
  /** Limiter settings beyond the configuration (tests use small windows). */
  limiterPolicy?: LimiterPolicy;
  /** Circuit breaker settings (tests use short half-open delays). */
  breaker?: UpstreamBreakerOptions;
}

/** A built, not yet listening, Bollard. */
export interface BollardApp {
  config: BollardConfig;
  logger: Logger;
  store: Store;
  agents: AgentService;
  audit: AuditWriter;
  credentials: CredentialCache;
  proxy: Server;
  /** WorkOS webhooks in, agents' deliveries out. */
  webhooks: WebhookRelay;
  /**
   * Ports Bollard listens on besides the proxy's (the admin API's, once bound): a webhook may never
   * be delivered to them on this machine.
   */
  ownPorts: Set<number>;
  upstream: { url: string };
  close(): Promise<void>;
}

/**
 * Builds Bollard from its configuration without binding a port: the store, the audit writer,
 * the agents service and the proxy server, wired together.
 */
export async function createApp(config: BollardConfig, options: AppOptions = {}): Promise<BollardApp> {
  const logger =
    options.logger ??
    pino({ level: config.logLevel, redact: ['req.headers.authorization', '*.apiKey', '*.token'] });
  const now = options.now ?? Date.now;
  const upstream = options.upstream ?? { url: config.upstream, apiKey: config.workosApiKey ?? '' };
  if (!upstream.apiKey)
    throw new Error('createApp needs a WorkOS API key (or an emulator upstream in demo mode)');

  const rawStore = await openStore(
    config.databaseUrl
      ? { kind: 'postgres', url: config.databaseUrl }
      : {
          kind: 'sqlite',
          path: ensureDir(config.dataDir),
          synchronous: config.auditSynchronous === 'full' ? 'FULL' : 'NORMAL',
        },
  );
  const credentials = new CredentialCache(rawStore);
  const store = withChangeHook(rawStore, () => credentials.invalidate());
  const stopWatching = await store.watchChanges(() => credentials.invalidate());
  const stopRetention = startAuditRetention(store, config.auditRetentionDays, logger);
  const audit = new AuditWriter(store, {
    onError: (error, batchSize) => logger.error({ err: error, batchSize }, 'audit batch failed'),
  });
  const agents = createAgentService(store, { seal: sealRecord, now: () => new Date(now()) });

  const upstreamOptions = {
    url: upstream.url,
    apiKey: upstream.apiKey,
    connectTimeoutMs: config.connectTimeoutMs,
    headersTimeoutMs: config.headersTimeoutMs,
    bodyTimeoutMs: config.bodyTimeoutMs,
  };
  const dispatcher = createUpstreamDispatcher(upstreamOptions);
  const limiter =
    config.rateLimits === 'on'
      ? createGatewayLimiter(
          config.redisUrl
            ? {
                backend: 'redis',
                url: config.redisUrl,
                processShare: 1 / config.replicas,
                keyPrefix: config.redisPrefix,
              }
            : { backend: 'memory' },
          {
            reserveFraction: config.rateLimitReserve,
            generalLimit: generalLimitRule(config.generalLimit),
            logger,
            ...options.limiterPolicy,
          },
        )
      : undefined;
  const breaker = createUpstreamBreaker(options.breaker);
  const deps: GatewayDeps = {
    match,
    credentials,
    audit,
    summarizeBody: redactBody,
    summarizeQuery: redactQuery,
    upstream: upstreamOptions,
    dispatcher,
    limiter,
    breaker,
    bodyLimitBytes: config.bodyLimitBytes,
    limitWaitMs: config.rateLimitMaxWaitMs,
    logger,
    now,
  };
  const ownPorts = new Set([config.port, config.adminPort].filter((port) => port > 0));
  const webhooks = createWebhookRelay(
    {
      destinations: {
        allowPrivate: config.webhookAllowPrivate ?? { all: false, cidrs: [] },
        ownPorts: () => [...ownPorts, ...listeningPorts(proxy)],
      },
      store,
      audit,
      logger,
      now,
      upstream,
      secret: config.workosWebhookSecret,
      toleranceMs: config.webhookToleranceMs,
      timeoutMs: config.webhookTimeoutMs,
      bodyLimitBytes: config.bodyLimitBytes,
    },
    options.webhooks,
  );
  const mcp = createMcpRoutes({
    gateway: deps,
    mode: config.mcpTools,
    allowedHosts: config.mcpAllowedHosts,
    limiterStatus: limiter ? () => limiter.status() : undefined,
  });
  const proxy = createProxyServer(
    deps,
    new Map([...webhooks.routes, ...mcp, ...(options.localRoutes ?? [])]),
  );

  return {
    config,
    logger,
    store,
    agents,
    audit,
    credentials,
    proxy,
    webhooks,
    ownPorts,
    upstream: { url: upstream.url },
    async close() {
      await closeServer(proxy);
      await webhooks.close();
      await stopWatching();
      stopRetention();
      await audit.close();
      await limiter?.close();
      await dispatcher.close();
      await store.close();
    },
  };
}

/** `6000/60` → the general rule, WorkOS's documented default when unchanged. */
function generalLimitRule(spec: string): RateLimitRule {
  const [limit, seconds] = spec.split('/').map(Number) as [number, number];
  return {
    id: 'general',
    limit,
    windowSeconds: seconds,
    scope: 'api_key',
    key: [],
    description: `${limit.toLocaleString('en-US')} requests / ${seconds} s per API key`,
  };
}

function listeningPorts(server: Server): number[] {
  const address = server.address();
  return address && typeof address === 'object' ? [address.port] : [];
}

function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return path.resolve(dir);
}

/** Stops accepting connections and ends idle keep-alive ones, so close() does not hang on them. */
export function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** Listens and resolves with the bound URL. */
export function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${shownHost}:${address.port}`);
    });
  });
}
