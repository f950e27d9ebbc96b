/** Where a command or a study writes: stdout for results, stderr for progress and logs. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
}

/**
 * Ends a command that has printed its result with a non-zero status and one line on stderr (a
 * benchmark that missed a target): not a user mistake (exit 2), not a bug (a stack).
 */
export class ExitStatus extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'ExitStatus';
  }
}
