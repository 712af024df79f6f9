import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, ENVIRONMENT_VARIABLES, loadConfig } from '../src/config/index.js';

describe('configuration', () => {
  it('has working defaults: demo-ready ports, loopback binds, FULL durability, 1 MiB bodies', () => {
    const config = loadConfig({}, {});
    expect(config).toMatchObject({
      port: 7600,
      adminPort: 7601,
      host: '127.0.0.1',
      adminHost: '127.0.0.1',
      upstream: 'https://api.workos.com',
      dataDir: './.bollard',
      auditSynchronous: 'full',
      bodyLimitBytes: 1024 * 1024,
      generalLimit: '6000/60',
    });
    expect(config.workosApiKey).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('flags win over the environment, the environment over defaults', () => {
    const config = loadConfig(
      { port: '9000' },
      { BOLLARD_PORT: '8000', BOLLARD_ADMIN_PORT: '8001', WORKOS_API_KEY: 'sk_test_x' },
    );
    expect(config.port).toBe(9000);
    expect(config.adminPort).toBe(8001);
    expect(config.workosApiKey).toBe('sk_test_x');
  });

  it('reports every problem at once, naming the flag and the variable', () => {
    let error: unknown;
    try {
      loadConfig(
        { upstream: 'not a url' },
        { BOLLARD_PORT: 'seventy', DATABASE_URL: 'mysql://x', BOLLARD_GENERAL_LIMIT: 'lots' },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect((error as ConfigError).problems).toHaveLength(4);
    expect(problems).toContain('--port / BOLLARD_PORT');
    expect(problems).toContain('--upstream / BOLLARD_UPSTREAM');
    expect(problems).toContain('--database-url / DATABASE_URL');
    expect(problems).toContain('BOLLARD_GENERAL_LIMIT');
    // A setting without a `bollard start` flag is named by its variable alone, never by a flag that does not exist.
    expect(problems).not.toContain('--general-limit');
  });

  it('refuses an upstream that is not http(s), and names the admin token by its variable only', () => {
    let error: unknown;
    try {
      loadConfig({ upstream: 'ftp://x' }, { BOLLARD_ADMIN_TOKEN: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('--upstream / BOLLARD_UPSTREAM: must be an http:// or https:// URL');
    expect(problems).not.toContain('--admin-token');
  });

  it('names the place inside a structured setting: which sink, which field', () => {
    let error: unknown;
    try {
      loadConfig(
        {},
        {
          BOLLARD_AUDIT_SINKS: JSON.stringify([
            { type: 'stdout' },
            { type: 'workos', maxEventsPerSecond: 0 },
          ]),
        },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'BOLLARD_AUDIT_SINKS [1].maxEventsPerSecond: Too small: expected number to be >0',
    ]);
  });

  it('every environment variable feeds a real setting', () => {
    const keys = Object.keys(configSchema.shape);
    for (const [variable, key] of Object.entries(ENVIRONMENT_VARIABLES))
      expect(keys, variable).toContain(key);
  });

  it('admin exposure and webhook destinations: lists from the environment, private destinations off by default', () => {
    expect(loadConfig({}, {})).toMatchObject({
      adminAllowedHosts: [],
      adminAllowedOrigins: [],
    });
    expect(loadConfig({}, {}).webhookAllowPrivate).toBeUndefined(); // none; demo mode allows loopback
    const config = loadConfig(
      {},
      {
        BOLLARD_ADMIN_ALLOWED_HOSTS: 'admin.internal, ops.example:8443',
        BOLLARD_ADMIN_ALLOWED_ORIGINS: 'https://console.example',
        BOLLARD_WEBHOOK_ALLOW_PRIVATE: '10.0.0.0/8, fd00::/8',
      },
    );
    expect(config.adminAllowedHosts).toEqual(['admin.internal', 'ops.example:8443']);
    expect(config.adminAllowedOrigins).toEqual(['https://console.example']);
    expect(config.webhookAllowPrivate).toEqual({ all: false, cidrs: ['10.0.0.0/8', 'fd00::/8'] });
    expect(loadConfig({}, { BOLLARD_WEBHOOK_ALLOW_PRIVATE: '1' }).webhookAllowPrivate?.all).toBe(true);
    expect(loadConfig({}, { BOLLARD_WEBHOOK_ALLOW_PRIVATE: '0' }).webhookAllowPrivate).toEqual({
      all: false,
      cidrs: [],
    });
  });

  it('refuses a malformed CIDR or origin, naming the variable', () => {
    const error = (() => {
      try {
        loadConfig(
          {},
          {
            BOLLARD_WEBHOOK_ALLOW_PRIVATE: '10.0.0.0/33,yes-please',
            BOLLARD_ADMIN_ALLOWED_ORIGINS: 'https://console.example/path',
          },
        );
      } catch (caught) {
        return caught as ConfigError;
      }
    })();
    const problems = error?.problems.join('\n') ?? '';
    expect(problems).toContain('BOLLARD_WEBHOOK_ALLOW_PRIVATE');
    expect(problems).toContain('not CIDRs: 10.0.0.0/33, yes-please');
    expect(problems).toContain('BOLLARD_ADMIN_ALLOWED_ORIGINS');
  });
});
