import { closeSync, createReadStream, createWriteStream, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { VerifyResult } from '../../audit/index.js';
import {
  action,
  CliError,
  clientFor,
  EXIT_USAGE,
  printJson,
  withConnectionOptions,
  withUsageExitCode,
} from './admin-client.js';
import {
  registerCheckpointCommands,
  reportCheckpointResult,
  verifyAgainstCheckpoints,
} from './audit-checkpoints.js';

function report(result: VerifyResult, where: string, json?: boolean): void {
  if (json) printJson(result);
  else if (result.ok)
    console.log(
      `Audit chain intact: ${result.count} records verified (${where}), head seq ${result.lastSeq}.`,
    );
  if (!result.ok) {
    throw new CliError(
      `audit chain broken at seq ${result.seq} (${where}): ${result.reason.replaceAll('_', ' ')}`,
      [`expected ${result.expected}`, `found    ${result.actual}`],
    );
  }
}

/** Verifies a JSONL or CSV export on this machine, without the server: the records carry their own hashes. */
async function verifyFile(file: string): Promise<VerifyResult> {
  try {
    const { looksLikeCsvExport, parseCsvExport, parseJsonlExport, verifyRecords } = await import(
      '../../audit/index.js'
    );
    const parse = looksLikeCsvExport(fileHead(file)) ? parseCsvExport : parseJsonlExport;
    return await verifyRecords(parse(createReadStream(file, 'utf8')));
  } catch (error) {
    throw new CliError(`cannot verify ${file}: ${(error as Error).message}`);
  }
}

function fileHead(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(64);
    return head.subarray(0, readSync(fd, head, 0, head.length, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** `bollard audit verify|export`. */
export function registerAuditCommand(program: Command): void {
  const audit = withUsageExitCode(program.command('audit'))
    .description('Verify the tamper-evident audit chain, or export it')
    .addHelpText(
      'after',
      '\nExamples:\n  bollard audit verify\n  bollard audit export --output audit.jsonl\n  bollard audit verify --file audit.jsonl\n  bollard audit public-key > bollard-audit.pub\n  bollard audit verify --checkpoints checkpoints.jsonl --public-key bollard-audit.pub\n',
    );

  withConnectionOptions(audit.command('verify'))
    .description('Walk the hash chain (on the server, or in an exported --file) and report the first break')
    .option('--file <export>', 'verify a JSONL or CSV export offline instead of the server')
    .option(
      '--checkpoints <file|url>',
      'also prove the log holds everything up to the newest of these signed checkpoints (kept outside this machine)',
    )
    .option(
      '--public-key <file|key>',
      'the pinned checkpoint key; repeat it after a key rotation, each checkpoint must verify with the key it names (default: ask the server, with a warning)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExits 1 when the chain is broken, records a checkpoint vouches for are missing, or a checkpoint is forged.\n\nExamples:\n  bollard audit verify\n  bollard audit verify --file audit.jsonl\n  bollard audit verify --file audit.csv\n  bollard audit verify --checkpoints checkpoints.jsonl --public-key bollard-audit.pub\n  bollard audit verify --file part.jsonl --checkpoints https://bucket.example/checkpoints.jsonl --public-key bollard-audit.pub\n  bollard audit verify --checkpoints checkpoints.jsonl --public-key old-key.pub --public-key bollard-audit.pub\n',
    )
    .action(
      action(
        async (
          options: { file?: string; json?: boolean; checkpoints?: string; publicKey?: string[] },
          command: Command,
        ) => {
          if (options.checkpoints) {
            const result = await verifyAgainstCheckpoints(command, {
              ...options,
              checkpoints: options.checkpoints,
            });
            return reportCheckpointResult(result, options.file ?? 'server', options.json);
          }
          if (options.file) return report(await verifyFile(options.file), options.file, options.json);
          report(
            await clientFor(command).request<VerifyResult>('POST', '/audit/verify'),
            'server',
            options.json,
          );
        },
      ),
    );

  withConnectionOptions(audit.command('export'))
    .description('Export the whole chain, streamed: JSON Lines (verifiable offline) or CSV')
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .option(
      '--since <seq|time>',
      'export from this seq, or from this ISO-8601 time on (the part verifies on its own)',
    )
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .addHelpText(
      'after',
      '\nExamples:\n  bollard audit export --output audit.jsonl\n  bollard audit export --format csv > audit.csv\n  bollard audit export --since 2026-12-01T00:00:00Z --output december.jsonl\n',
    )
    .action(
      action(async (options: { format: string; output?: string; since?: string }, command: Command) => {
        if (!['jsonl', 'csv'].includes(options.format)) {
          throw new CliError(`--format '${options.format}' must be jsonl or csv`, [], EXIT_USAGE);
        }
        if (
          options.since !== undefined &&
          !/^\d+$/.test(options.since) &&
          Number.isNaN(Date.parse(options.since))
        )
          throw new CliError(
            `--since '${options.since}' must be a seq (1234) or an ISO-8601 time (2026-12-01T00:00:00Z)`,
            [],
            EXIT_USAGE,
          );
        const since = options.since === undefined ? '' : `&since=${encodeURIComponent(options.since)}`;
        const response = await clientFor(command).send(
          'GET',
          `/audit/export?format=${options.format}${since}`,
          undefined,
          '*/*',
        );
        if (!response.body) throw new CliError('the admin API sent an empty export');
        const source = Readable.fromWeb(
          response.body as import('node:stream/web').ReadableStream<Uint8Array>,
        );
        await pipeline(source, options.output ? createWriteStream(options.output) : process.stdout);
        if (options.output) console.error(`Wrote ${options.output}`);
      }),
    );

  registerCheckpointCommands(audit);
}
