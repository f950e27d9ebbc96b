/** Where a command or a study writes: stdout for results, stderr for progress and logs. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
}
