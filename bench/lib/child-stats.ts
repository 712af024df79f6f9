/**
 * The child side of a benchmarked process: tells the parent it is ready, then answers its questions
 * over IPC — CPU time and peak RSS since the last `begin`, current RSS, and any figures of its own
 * (Bollard adds its audit sequence). Measured inside the process so each one is accounted alone.
 */

/** What a child reports at the end of a measured window. */
export interface WindowStats {
  /** User + system CPU time spent since `begin`, in ms. */
  cpuMs: number;
  /** Highest RSS sampled since `begin`, in MB. */
  peakRssMb: number;
  /** RSS now, in MB. */
  rssMb: number;
  /** Extra figures the process adds (Bollard: `auditSeq`). */
  extra: Record<string, number>;
}

export type ChildQuestion = { id: number; kind: 'begin' | 'end' | 'sample' };
export type ChildAnswer = { id: number; stats: WindowStats };
export type ChildReady = { ready: Record<string, string> };

const RSS_SAMPLE_MS = 50;

const mb = (bytes: number) => bytes / (1024 * 1024);

/** Answers the parent's questions; `extra` is read at each answer. Call once, after listening. `cleanup` runs before exit. */
export function serveStats(
  ready: Record<string, string>,
  extra: () => Promise<Record<string, number>>,
  cleanup?: () => Promise<void>,
): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('a benchmark child must be started with an IPC channel (child_process.fork)');
  let cpuAtBegin = process.cpuUsage();
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, RSS_SAMPLE_MS);
  sampler.unref();

  process.on('message', async (question: ChildQuestion) => {
    const rss = process.memoryUsage.rss();
    peak = Math.max(peak, rss);
    const cpu = process.cpuUsage(cpuAtBegin);
    const stats: WindowStats = {
      cpuMs: (cpu.user + cpu.system) / 1000,
      peakRssMb: mb(peak),
      rssMb: mb(rss),
      extra: await extra(),
    };
    if (question.kind === 'begin') {
      cpuAtBegin = process.cpuUsage();
      peak = rss;
    }
    send({ id: question.id, stats } satisfies ChildAnswer);
  });
  // The parent going away ends the child: no orphan keeps a port.
  process.on('disconnect', () => {
    const done = () => process.exit(0);
    if (cleanup) cleanup().then(done, done);
    else done();
  });
  send({ ready } satisfies ChildReady);
}
