import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_API_KEY, DEFAULT_CLIENT_ID, DEFAULT_PORT } from '../../emulator/defaults.js';
import type { EmulatorOptions, EmulatorSeed } from '../../emulator/index.js';

interface EmulatorFlags {
  port: number;
  host: string;
  apiKey: string;
  clientId: string;
  seed: string;
  webhookUrl?: string;
  webhookSecret?: string;
  rateLimits: 'on' | 'off';
  logRequests?: boolean;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('must be a port number (0–65535).');
  return port;
}

function parseUrl(value: string): string {
  if (!/^https?:\/\/\S+$/.test(value)) throw new InvalidArgumentError('must be an http(s) URL.');
  return value;
}

/** `demo`, `none`, or a JSON seed file (read once, at start-up). */
function loadSeed(value: string): EmulatorOptions['seed'] {
  if (value === 'demo' || value === 'none') return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(value, 'utf8'));
  } catch (error) {
    throw new InvalidArgumentError(`cannot read seed file '${value}': ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError(`seed file '${value}' must hold a JSON object.`);
  }
  return parsed as EmulatorSeed;
}

/** Wires SIGINT/SIGTERM to a clean close, once. */
function closeOnSignal(close: () => Promise<void>): void {
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** `bollard emulator`: a local WorkOS on its own port, for demos and tests. */
export function registerEmulatorCommand(program: Command): void {
  program
    .command('emulator')
    .description('Run a local WorkOS API emulator (in memory) for demos and tests.')
    .option('--port <port>', 'port to listen on (0 = any free port)', parsePort, DEFAULT_PORT)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--api-key <key>', 'the API key clients must send as Bearer', DEFAULT_API_KEY)
    .option('--client-id <id>', 'the client id for SSO and AuthKit flows', DEFAULT_CLIENT_ID)
    .option('--seed <seed>', 'demo | none | path to a JSON seed file', 'demo')
    .option('--webhook-url <url>', 'deliver every event, signed, to this URL', parseUrl)
    .option('--webhook-secret <secret>', 'signing secret for --webhook-url')
    .addOption(
      new Option('--rate-limits <mode>', 'enforce WorkOS rate limits').choices(['on', 'off']).default('on'),
    )
    .option('--log-requests', 'print one line per request to stderr')
    // A usage mistake exits 2 (commander's own default is 1); help and version still exit 0.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .addHelpText(
      'after',
      `
Examples:
  bollard emulator                                    # http://127.0.0.1:${DEFAULT_PORT}, demo seed
  bollard emulator --port 0 --seed none --rate-limits off
  bollard emulator --webhook-url http://127.0.0.1:3000/hooks --webhook-secret whsec_dev

Point the official SDK at it:
  new WorkOS('${DEFAULT_API_KEY}', { apiHostname: '127.0.0.1', port: ${DEFAULT_PORT}, https: false, clientId: '${DEFAULT_CLIENT_ID}' })

Control endpoints (no key): POST /_emulator/reset, GET /_emulator/requests, POST /_emulator/faults, …`,
    )
    .action(async (flags: EmulatorFlags, command: Command) => {
      if (flags.webhookUrl && !flags.webhookSecret)
        command.error('error: --webhook-url needs --webhook-secret', { exitCode: 2 });
      let seed: EmulatorOptions['seed'];
      try {
        seed = loadSeed(flags.seed);
      } catch (error) {
        command.error(`error: option '--seed <seed>' argument is invalid. ${(error as Error).message}`, {
          exitCode: 2,
        });
      }
      const { startEmulator } = await import('../../emulator/index.js');
      const emulator = await startEmulator({
        port: flags.port,
        host: flags.host,
        apiKey: flags.apiKey,
        clientId: flags.clientId,
        seed,
        webhookUrl: flags.webhookUrl,
        webhookSecret: flags.webhookSecret,
        rateLimits: flags.rateLimits === 'on',
        logRequests: flags.logRequests ?? false,
      });
      process.stdout.write(
        `WorkOS emulator listening on ${emulator.url}  api key: ${emulator.apiKey}  client id: ${emulator.clientId}\n`,
      );
      closeOnSignal(() => emulator.close());
    });
}
