/**
 * A mistake in user input (a workload, profile or plan file, a flag). The CLI prints `message` as one
 * line and exits 2; any other error is a bug and keeps its stack.
 *
 * Message shape (STYLE habit 6): `<file>: <where>, field <name>: expected <what>, got <value>`.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Render a value for an error message: strings quoted, long values cut, type named. */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    const s = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return JSON.stringify(s);
  }
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return `(${typeof value})`;
}
