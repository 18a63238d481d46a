import { entityLines, summaryLines, type EntityReport, type WarmupReport } from './report.js';

/** What warmup tells its operator as it goes. */
export interface Progress {
  /** A table starts; `total` is its COUNT(*) (the table may change while it is read). */
  start(label: string, total: number): void;
  /** `done` rows of it handled so far (sent and answered, or skipped). */
  update(done: number): void;
  /** The table is done. */
  finish(report: EntityReport): void;
  /** Everything is done. */
  end(report: WarmupReport): void;
  /** The load failed: leave the output ready for the error message. */
  abort(): void;
}

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  /** Terminal width, when a terminal. */
  columns?: number;
}

/** Redraws of the progress line per second, at most. */
const REDRAWS_PER_SECOND = 10;
const BAR = 20;
const n = (x: number): string => x.toLocaleString('en-US');

/** Nothing as it goes: `--json` prints the report once at the end. */
export const silentProgress: Progress = { start() {}, update() {}, finish() {}, end() {}, abort() {} };

/** One plain line per table when it is done, then the summary (stdout that is not a terminal). */
export function plainProgress(out: Output): Progress {
  return {
    start() {},
    update() {},
    finish: (report) => out.write(`${entityLines(report).join('\n')}\n`),
    end: (report) => out.write(`${summaryLines(report).join('\n')}\n`),
    abort() {},
  };
}

/** The progress line of one table: bar, percentage, count of total and rate. */
export function progressLine(label: string, done: number, total: number, seconds: number): string {
  const rate = seconds > 0 ? `  ${n(Math.round(done / seconds))} rows/s` : '';
  if (total <= 0) return `Loading ${label}… ${n(done)}${rate}`;
  const share = Math.min(done / total, 1);
  const filled = Math.round(share * BAR);
  return `Loading ${label}… ${'█'.repeat(filled)}${'░'.repeat(BAR - filled)} ${String(Math.floor(share * 100)).padStart(3)}%  ${n(done)}/${n(total)}${rate}`;
}

/** A progress line redrawn in place at most REDRAWS_PER_SECOND times a second, then the plain lines. */
export function ttyProgress(out: Output, now: () => number = () => performance.now()): Progress {
  const plain = plainProgress(out);
  let label = '';
  let total = 0;
  let started = 0;
  let drawn = -Infinity;
  const draw = (done: number) => {
    const line = progressLine(label, done, total, (now() - started) / 1000);
    const width = out.columns ?? 0;
    out.write(`\r\x1b[2K${width > 1 && line.length >= width ? line.slice(0, width - 1) : line}`);
  };
  return {
    start(l, t) {
      [label, total, started] = [l, t, now()];
      drawn = now();
      draw(0);
    },
    update(done) {
      if (now() - drawn < 1000 / REDRAWS_PER_SECOND) return;
      drawn = now();
      draw(done);
    },
    finish(report) {
      out.write('\r\x1b[2K');
      plain.finish(report);
    },
    end: plain.end,
    abort: () => out.write('\r\x1b[2K'),
  };
}
