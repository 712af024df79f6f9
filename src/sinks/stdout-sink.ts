import type { Writable } from 'node:stream';
import type { AuditSink, SinkRecord } from './sink.js';

/**
 * One line per record on standard output, `{"bollard_audit": record}`, for a container's log collector:
 * the key tells the records apart from Bollard's own log lines on the same stream.
 */
export class StdoutSink implements AuditSink {
  constructor(
    readonly name: string,
    readonly batchSize: number,
    private readonly out: Writable = process.stdout,
  ) {}

  async deliver(records: readonly SinkRecord[]): Promise<number> {
    let text = '';
    for (const record of records) text += `{"bollard_audit":${record.line}}\n`;
    await new Promise<void>((resolve, reject) => {
      this.out.write(text, (error) => (error ? reject(error) : resolve()));
    });
    return (records.at(-1) as SinkRecord).seq;
  }

  async close(): Promise<void> {}
}
