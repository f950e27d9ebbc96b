/**
 * Progress on stderr for anything that takes more than a second: a cli-progress bar on a terminal,
 * nothing when stderr is not a terminal (logs and CI stay clean), never on stdout.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

const SILENT: Progress = { update: () => {}, stop: () => {} };

/** A progress bar over `total` units, labelled `label`; silent off a terminal or when `quiet`. */
export function progress(label: string, total: number, opts: { quiet?: boolean; unit?: string } = {}): Progress {
  if (opts.quiet || !process.stderr.isTTY || total <= 0) return SILENT;
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
