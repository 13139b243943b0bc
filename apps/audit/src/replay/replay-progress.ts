import { SingleBar, Presets } from 'cli-progress';
import type { ReplayProgress } from './replay-runner';

/**
 * A progress bar with events per second on a terminal (cli-progress), plain lines otherwise, both
 * on stderr so that stdout carries only the report.
 */
export function createProgress(
  stream: NodeJS.WriteStream = process.stderr,
  now: () => number = Date.now,
): ReplayProgress {
  return stream.isTTY ? new TerminalProgress(stream, now) : new LineProgress(stream, now);
}

class TerminalProgress implements ReplayProgress {
  private readonly started: number;
  private readonly bar: SingleBar;
  private phase: 'reading' | 'evaluating' | 'idle' = 'idle';

  constructor(
    stream: NodeJS.WriteStream,
    private readonly now: () => number,
  ) {
    this.started = now();
    this.bar = new SingleBar(
      {
        stream,
        format: '{phase} |{bar}| {value}/{total} {unit} | {rate} events/s',
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 50,
      },
      Presets.shades_classic,
    );
  }

  private rate(events: number): number {
    const s = (this.now() - this.started) / 1000;
    return s > 0 ? Math.round(events / s) : 0;
  }

  reading(eventsRead: number): void {
    if (this.phase !== 'reading') {
      this.phase = 'reading';
      // The total is unknown while scanning; the bar grows with what has been read.
      this.bar.start(Math.max(eventsRead, 1), eventsRead, { phase: 'reading   ', unit: 'events', rate: 0 });
    }
    this.bar.setTotal(Math.max(eventsRead, 1));
    this.bar.update(eventsRead, { rate: this.rate(eventsRead) });
    this.lastRead = eventsRead;
  }

  private lastRead = 0;

  evaluating(done: number, total: number): void {
    if (this.phase !== 'evaluating') {
      this.bar.stop();
      this.phase = 'evaluating';
      this.bar.start(total, done, {
        phase: 'evaluating',
        unit: 'patient-months',
        rate: this.rate(this.lastRead),
      });
    }
    this.bar.update(done, { rate: this.rate(this.lastRead) });
  }

  finish(): void {
    if (this.phase !== 'idle') this.bar.stop();
    this.phase = 'idle';
  }
}

class LineProgress implements ReplayProgress {
  private readonly started: number;
  private lastLine = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly now: () => number,
  ) {
    this.started = now();
  }

  private rate(events: number): number {
    const s = (this.now() - this.started) / 1000;
    return s > 0 ? Math.round(events / s) : 0;
  }

  /** At most one line per second: a log file should not drown in progress. */
  private due(): boolean {
    const t = this.now();
    if (t - this.lastLine < 1000) return false;
    this.lastLine = t;
    return true;
  }

  reading(eventsRead: number): void {
    if (this.due())
      this.stream.write(`audit replay: read ${eventsRead} events (${this.rate(eventsRead)} events/s)\n`);
  }

  evaluating(done: number, total: number): void {
    if (done === total || this.due())
      this.stream.write(`audit replay: evaluated ${done}/${total} patient-months\n`);
  }

  finish(eventsRead: number): void {
    this.stream.write(
      `audit replay: done, ${eventsRead} distinct events (${this.rate(eventsRead)} events/s)\n`,
    );
  }
}
