import { type Command, type CommanderError, Option } from 'commander';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:7601';
/** Exit codes: 1 when the operation failed, 2 when the command line was wrong. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The connection options every server-talking command takes (commander reads the environment). */
export interface ConnectionOptions {
  adminUrl: string;
  adminToken?: string;
}

/** An error the CLI reports as is: one clear message, optional detail lines, an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly details: string[] = [],
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}

/** Adds `--admin-url` and `--admin-token`, defaulting to BOLLARD_ADMIN_URL / BOLLARD_ADMIN_TOKEN. */
export function withConnectionOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--admin-url <url>', 'admin API of a running Bollard')
        .env('BOLLARD_ADMIN_URL')
        .default(DEFAULT_ADMIN_URL),
    )
    .addOption(
      new Option('--admin-token <token>', 'admin token (printed once at first start)').env(
        'BOLLARD_ADMIN_TOKEN',
      ),
    );
}

/** A leaf command that talks to the admin API: connection options, `--json`, and an example in its help. */
export function leafCommand(parent: Command, spec: string, description: string, example: string): Command {
  return withConnectionOptions(parent.command(spec))
    .description(description)
    .option('--json', 'print JSON')
    .addHelpText('after', `\nExample:\n  ${example}\n`);
}

/**
 * Makes commander's own usage errors (missing argument, unknown option) exit 2 instead of 1, so
 * scripts can tell a wrong command line from a failed operation. Subcommands inherit it.
 */
export function withUsageExitCode(command: Command): Command {
  return command.exitOverride((error: CommanderError) => {
    const usage = error.exitCode !== 0 && !['commander.executeSubCommandAsync'].includes(error.code);
    process.exit(usage ? EXIT_USAGE : error.exitCode);
  });
}

interface ErrorEnvelope {
  code?: string;
  message?: string;
  errors?: { path: string; message: string }[];
}

function unreachable(url: string, cause: unknown): CliError {
  const reason = (cause as { cause?: { code?: string; message?: string } }).cause;
  const code = reason?.code ?? reason?.message ?? 'network error';
  return new CliError(`cannot reach the Bollard admin API at ${url} (${code})`, [
    'Is `bollard start` running? Point the CLI at it with BOLLARD_ADMIN_URL=http://HOST:PORT or --admin-url.',
  ]);
}

/**
 * The admin API's base URL from what a person typed: a missing scheme is a usage error that shows the
 * fix, and a pasted `/api/v1` (the API's own prefix) is dropped rather than doubled.
 */
export function adminBaseUrl(value: string): string {
  const trimmed = value.trim().replace(/\/+$/, '');
  if (!/^https?:\/\//i.test(trimmed)) {
    const hint = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)
      ? 'The admin API speaks http:// or https:// only.'
      : `Add the scheme: BOLLARD_ADMIN_URL=http://${trimmed || '127.0.0.1:7601'}`;
    throw new CliError(`admin URL '${value}' is not an http(s) URL`, [hint], EXIT_USAGE);
  }
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new CliError(`admin URL '${value}' is not a valid URL`, [], EXIT_USAGE);
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/** A small client of the admin API over HTTP. */
export class AdminClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;

  constructor(options: ConnectionOptions) {
    this.baseUrl = adminBaseUrl(options.adminUrl);
    this.token = options.adminToken;
  }

  /** Sends a request and returns the raw response, or throws a CliError that says what to do. */
  async send(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
    if (!this.token) {
      throw new CliError('no admin token', [
        'Set BOLLARD_ADMIN_TOKEN (printed once when Bollard first started) or pass --admin-token.',
      ]);
    }
    const url = `${this.baseUrl}/api/v1${path}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw unreachable(this.baseUrl, error);
    }
    if (!response.ok) throw await this.errorOf(response);
    return response;
  }

  /** JSON request → JSON answer (undefined for 204). */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  private async errorOf(response: Response): Promise<CliError> {
    return errorFromEnvelope(response, this.baseUrl);
  }
}

/** Argument and flag names for the admin API's field paths, so errors speak the command line's words. */
const FIELD_NAMES: Record<string, string> = {
  grants: '--grant',
  events: '--events',
  name: 'NAME',
  url: 'URL',
  agent: 'AGENT',
  expiresIn: '--expires-in',
  expiresAt: '--expires-in',
  graceSeconds: '--grace',
};

/** `body.grants[0]` / `body.grants.0` → `--grant`; `body.name` → `NAME`; `body.someField` → `--some-field`. */
export function fieldName(path: string): string {
  const field = path.replace(/^(body|query|params)\./, '').split(/[.[]/)[0] ?? path;
  return FIELD_NAMES[field] ?? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

async function errorFromEnvelope(response: Response, baseUrl: string): Promise<CliError> {
  const envelope = (await response.json().catch(() => ({}))) as ErrorEnvelope;
  // The proxy answers every request with this header; the admin API never does.
  if (response.headers.has('x-bollard-request-id')) {
    return new CliError(`${baseUrl} is Bollard's proxy port (for agents), not its admin API`, [
      'Point BOLLARD_ADMIN_URL (or --admin-url) at the admin port: 7601 unless `bollard start` was given --admin-port; the start-up banner prints it.',
    ]);
  }
  const details = (envelope.errors ?? []).map((error) => `${fieldName(error.path)}: ${error.message}`);
  if (envelope.code === 'admin_unauthorized') {
    details.push(
      'Check BOLLARD_ADMIN_TOKEN (or --admin-token): it must be the admin token, not an agent token.',
    );
  }
  if (envelope.code === 'validation_failed' && details.length > 0) {
    // The envelope's message repeats the field problems in the API's words: show them in the CLI's.
    return new CliError(details.length === 1 ? '' : `${details.length} problems:`, details);
  }
  return new CliError(envelope.message ?? `${response.status} ${response.statusText}`, details);
}

/**
 * Runs a command's action: a CliError (or any error) is printed to stderr and sets the exit code;
 * nothing secret is ever part of an error message.
 */
export function action<A extends unknown[]>(
  run: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (error) {
      const cli = error instanceof CliError ? error : new CliError((error as Error).message);
      // With --json a script reads stdout: the error is one JSON document there too (and stderr as usual).
      if (process.argv.includes('--json')) {
        printJson({
          error: { message: cli.message || cli.details[0], details: cli.details, exitCode: cli.exitCode },
        });
      }
      if (cli.message) console.error(`error: ${cli.message}`);
      for (const line of cli.details) console.error(cli.message ? `  ${line}` : `error: ${line}`);
      process.exitCode = cli.exitCode;
    }
  };
}

/** The client for a command, from its options (merged with its parents', where they are declared). */
export function clientFor(command: Command): AdminClient {
  return new AdminClient(command.optsWithGlobals<ConnectionOptions>());
}

/**
 * Asks "…? [y/N]" on a terminal and throws unless the answer is yes. Without a terminal (a script, CI)
 * or with `--yes` it does not ask: the command line already says what to do.
 */
export async function confirm(question: string, yes: boolean | undefined): Promise<void> {
  if (yes || !process.stdin.isTTY || !process.stdout.isTTY) return;
  const { createInterface } = await import('node:readline/promises');
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await prompt.question(`${question} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('cancelled; nothing was changed');
  } finally {
    prompt.close();
  }
}

/** Prints JSON for scripts: two-space indented, one document. */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** Collects a repeatable option; also splits `a,b` so `--grant users:read,sso:read` works. */
export function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  ];
}
