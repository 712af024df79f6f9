import type { KeyObject } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import type { Command } from 'commander';
import type { Checkpoint, CheckpointVerifyResult } from '../../audit/index.js';
import { action, CliError, clientFor, EXIT_USAGE, printJson, withConnectionOptions } from './admin-client.js';

/** Largest checkpoint file fetched from a URL (a year of one-a-minute checkpoints is ~200 MB; this is plenty for recent ones). */
const MAX_CHECKPOINT_BYTES = 64 * 1024 * 1024; // 64 MiB

function gunzipIfNeeded(bytes: Buffer): Buffer {
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
}

/** The checkpoints of a file or an http(s) URL, as text. */
async function readSource(source: string): Promise<string> {
  if (/^https?:\/\//i.test(source)) {
    let response: Response;
    try {
      response = await fetch(source, { signal: AbortSignal.timeout(30_000) }); // 30 seconds
    } catch (error) {
      throw new CliError(`cannot fetch the checkpoints at ${source}: ${(error as Error).message}`);
    }
    if (!response.ok) throw new CliError(`fetching the checkpoints at ${source} answered ${response.status}`);
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > MAX_CHECKPOINT_BYTES || !response.body)
      throw new CliError(`the checkpoints at ${source} are larger than ${MAX_CHECKPOINT_BYTES} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of Readable.fromWeb(response.body as import('node:stream/web').ReadableStream)) {
      size += (chunk as Buffer).length;
      if (size > MAX_CHECKPOINT_BYTES)
        throw new CliError(`the checkpoints at ${source} are larger than ${MAX_CHECKPOINT_BYTES} bytes`);
      chunks.push(chunk as Buffer);
    }
    return gunzipIfNeeded(Buffer.concat(chunks)).toString('utf8');
  }
  if (!existsSync(source)) throw new CliError(`no checkpoint file ${source}`, [], EXIT_USAGE);
  return gunzipIfNeeded(readFileSync(source)).toString('utf8');
}

/** The pinned keys (files or the keys themselves), or the server's with a warning that it is not pinned. */
async function publicKeysFor(command: Command, pinned: readonly string[]): Promise<KeyObject[]> {
  const { parsePublicKey } = await import('../../audit/index.js');
  if (pinned.length > 0)
    return pinned.map((given) => {
      const text = existsSync(given) ? readFileSync(given, 'utf8') : given;
      try {
        return parsePublicKey(text);
      } catch (error) {
        throw new CliError(`--public-key ${given}: ${(error as Error).message}`, [], EXIT_USAGE);
      }
    });
  const served = await clientFor(command).request<{ pem: string; keyId: string }>('GET', '/audit/public-key');
  console.error(
    `Note: using the server's own key ${served.keyId}; pin it with --public-key (bollard audit public-key > bollard-audit.pub).`,
  );
  return [parsePublicKey(served.pem)];
}

/** An export as a byte stream: a local file (gzip or not), or the server's `/audit/export`. */
export async function exportStream(
  command: Command,
  file: string | undefined,
): Promise<NodeJS.ReadableStream> {
  if (file) {
    const head = readFileSync(file).subarray(0, 2);
    const stream = createReadStream(file);
    return head[0] === 0x1f && head[1] === 0x8b ? stream.pipe(createGunzip()) : stream;
  }
  const response = await clientFor(command).send('GET', '/audit/export?format=jsonl', undefined, '*/*');
  if (!response.body) throw new CliError('the admin API sent an empty export');
  return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
}

/**
 * Verifies an export (a file, or the server's chain streamed here) against checkpoints kept outside,
 * after checking every checkpoint's signature with the pinned key.
 */
export async function verifyAgainstCheckpoints(
  command: Command,
  options: { file?: string; checkpoints: string; publicKey?: readonly string[] },
): Promise<CheckpointVerifyResult> {
  const audit = await import('../../audit/index.js');
  let checkpoints: Checkpoint[];
  try {
    checkpoints = audit.parseCheckpoints(await readSource(options.checkpoints));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read the checkpoints in ${options.checkpoints}: ${(error as Error).message}`);
  }
  if (checkpoints.length === 0)
    throw new CliError(`no checkpoints in ${options.checkpoints}`, [
      'Give a file of checkpoints (bollard audit checkpoints --output FILE) or a sink file that carries them.',
    ]);
  const keys = await publicKeysFor(command, options.publicKey ?? []);
  let trusted: Checkpoint[];
  try {
    trusted = audit.trustedCheckpoints(checkpoints, keys);
  } catch (error) {
    if (error instanceof audit.UntrustedCheckpointError)
      throw new CliError(error.message, [
        'Nothing was verified against these checkpoints. Use the checkpoints as Bollard signed them, and the key it signs with.',
      ]);
    throw error;
  }
  const text = await exportStream(command, options.file);
  try {
    const parse = audit.parseJsonlExport(text as AsyncIterable<Buffer>);
    return await audit.verifyWithCheckpoints(parse, trusted);
  } catch (error) {
    throw new CliError(`cannot verify ${options.file ?? 'the server'}: ${(error as Error).message}`);
  }
}

/** One line for a result against checkpoints; throws when broken. */
export function reportCheckpointResult(result: CheckpointVerifyResult, where: string, json?: boolean): void {
  if (json) printJson(result);
  else if (result.ok)
    console.log(
      `Audit chain intact: ${result.count} records verified (${where}), head seq ${result.lastSeq}; ` +
        `${result.checkpointsMatched} checkpoint match(es), the newest signed checkpoint (seq ${result.newestCheckpoint}) is covered.`,
    );
  if (result.ok) return;
  if (result.reason === 'missing_records' && 'missing' in result && result.missing) {
    throw new CliError(
      `audit log is missing records ${result.missing.from}–${result.missing.to} (${where}): a signed checkpoint vouches for them`,
      [`expected ${result.expected}`, `found    ${result.actual}`],
    );
  }
  throw new CliError(
    `audit chain broken at seq ${result.seq} (${where}): ${result.reason.replaceAll('_', ' ')}`,
    [`expected ${result.expected}`, `found    ${result.actual}`],
  );
}

/** `bollard audit public-key`, `audit checkpoint`, `audit checkpoints`. */
export function registerCheckpointCommands(audit: Command): void {
  withConnectionOptions(audit.command('public-key'))
    .description('Print the Ed25519 public key that signs audit checkpoints (PEM), to pin where you verify')
    .option('--json', 'print the key id, PEM and raw base64 as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  bollard audit public-key > bollard-audit.pub\n  bollard audit verify --checkpoints checkpoints.jsonl --public-key bollard-audit.pub\n',
    )
    .action(
      action(async (options: { json?: boolean }, command: Command) => {
        const key = await clientFor(command).request<{ keyId: string; pem: string; raw: string }>(
          'GET',
          '/audit/public-key',
        );
        if (options.json) printJson(key);
        else process.stdout.write(key.pem);
      }),
    );

  withConnectionOptions(audit.command('checkpoint'))
    .description(
      'Sign the chain head now (Bollard also does every N records / T seconds) and print the checkpoint',
    )
    .addHelpText('after', '\nExamples:\n  bollard audit checkpoint >> checkpoints.jsonl\n')
    .action(
      action(async (_options: unknown, command: Command) => {
        const checkpoint = await clientFor(command).request<Checkpoint>('POST', '/audit/checkpoints');
        console.log(JSON.stringify(checkpoint));
      }),
    );

  withConnectionOptions(audit.command('checkpoints'))
    .description('Print the signed checkpoints in the log as JSON Lines, oldest first')
    .option('--after <seq>', 'only checkpoints written after this seq of the chain', '0')
    .addHelpText('after', '\nExamples:\n  bollard audit checkpoints > checkpoints.jsonl\n')
    .action(
      action(async (options: { after: string }, command: Command) => {
        if (!/^\d+$/.test(options.after))
          throw new CliError('--after must be a seq (a whole number)', [], EXIT_USAGE);
        let after = Number(options.after);
        for (;;) {
          const page = await clientFor(command).request<{ data: Checkpoint[]; next: number | null }>(
            'GET',
            `/audit/checkpoints?after=${after}&limit=1000`,
          );
          for (const checkpoint of page.data) console.log(JSON.stringify(checkpoint));
          if (page.next === null) return;
          after = page.next;
        }
      }),
    );
}
