/**
 * Progress on stderr for anything that takes more than a second, never on stdout: a cli-progress
 * bar on a terminal; off a terminal (logs, CI, a pipe) one plain line at most every
 * {@link LOG_EVERY_MS} and one at the end, so a long run shows it is alive without flooding a log.
 * Silent inside the test runner.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

const SILENT: Progress = { update: () => {}, stop: () => {} };

/** Off a terminal, at most one progress line this often, ms. */
export const LOG_EVERY_MS = 5000;

/** Plain progress lines for a log: `label: 12/40 s (30 %)`, throttled; `now` is injectable for tests. */
export function logProgress(
  label: string,
  total: number,
  write: (line: string) => void,
  opts: { unit?: string; now?: () => number } = {},
): Progress {
  const now = opts.now ?? (() => performance.now());
  const unit = opts.unit ? ` ${opts.unit}` : '';
  let last = now();
  let value = 0;
  let printed = -1;
  const line = (): void => {
    printed = value;
    write(`${label}: ${value}/${total}${unit} (${Math.floor((100 * value) / total)} %)\n`);
  };
  return {
    update: (done) => {
      value = done;
      const t = now();
      if (t - last >= LOG_EVERY_MS) {
        last = t;
        line();
      }
    },
    stop: () => {
      if (printed !== value && printed >= 0) line();
    },
  };
}

/** A progress bar over `total` units, labelled `label`; silent off a terminal or when `quiet`. */
export function progress(label: string, total: number, opts: { quiet?: boolean; unit?: string } = {}): Progress {
  if (opts.quiet || total <= 0 || process.env.VITEST !== undefined) return SILENT;
  if (!process.stderr.isTTY) return logProgress(label, total, (l) => process.stderr.write(l), { unit: opts.unit });
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${opts.unit ?? ''} | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
}
