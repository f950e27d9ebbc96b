/**
 * The worked examples of docs/config.md and docs/analysis.md, run: the config block is written to
 * a file and run; each `csv columns=FILE` block must be the header that run writes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../experiments/cli/main.ts';

const docs = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

/** The fenced blocks of `text` whose info string has `key=VALUE`, by VALUE. */
function blocks(text: string, key: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^```\w+ ([^\n]*)\n([\s\S]*?)^```$/gm)) {
    const at = new RegExp(`(?:^| )${key}=(\\S+)`).exec(m[1]);
    if (at) out.set(at[1], m[2]);
  }
  return out;
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const header = (file: string) => readFileSync(file, 'utf8').split('\n')[0];

describe('docs/config.md', () => {
  it('config.schema.json is what gpulet run --schema prints', async () => {
    const r = await run(['run', '--schema']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(docs('config.schema.json'));
  });

  it('the worked example runs, and writes the columns the page shows', async () => {
    const text = docs('config.md');
    const files = blocks(text, 'file');
    const dir = mkdtempSync(join(tmpdir(), 'gpulet-docs-config-'));
    for (const [name, body] of files) writeFileSync(join(dir, name), body);
    expect([...files.keys()]).toEqual(['two.json']);
    const r = await run(['run', join(dir, 'two.json'), '--out', join(dir, 'out'), '--jobs', '1']);
    expect(r.code).toBe(0);
    const columns = blocks(text, 'columns');
    expect([...columns.keys()].sort()).toEqual(['two-summary.csv', 'two.csv']);
    for (const [file, body] of columns) expect(header(join(dir, 'out', file))).toBe(body.trim());
    // Every field of the schema is in the page's table.
    const schema = JSON.parse(docs('config.schema.json')) as { properties: Record<string, unknown> };
    for (const field of Object.keys(schema.properties)) expect(text).toContain(`| \`${field}\` |`);
  });
});

describe('docs/analysis.md', () => {
  it('the tables have the columns the page shows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpulet-docs-analysis-'));
    const r = await run([
      'simulate',
      '-w',
      'scen3',
      '-d',
      '1',
      '--requests',
      join(dir, 'requests.csv'),
      '--batches',
      join(dir, 'batches.csv'),
    ]);
    expect(r.code).toBe(0);
    const columns = blocks(docs('analysis.md'), 'columns');
    expect([...columns.keys()].sort()).toEqual(['batches.csv', 'requests.csv']);
    for (const [file, body] of columns) expect(header(join(dir, file))).toBe(body.trim());
  });
});
