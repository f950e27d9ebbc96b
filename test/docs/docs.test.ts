/**
 * The docs cannot rot: every example block of docs/*.md runs through the real parsers and command
 * line (docs/formats.md says how blocks are tagged), and every `docs/NAME.md#anchor` that a source
 * file, a test or the README cites names a heading that exists.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as api from '../../experiments/lib/api.ts';
import { cli } from '../helpers.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const docsDir = join(root, 'docs');
/** Pages whose worked examples write outputs run in their own test (workflow-docs.test.ts). */
const RUN_ELSEWHERE = new Set(['config.md', 'analysis.md']);
const allDocs = readdirSync(docsDir)
  .filter((f) => f.endsWith('.md'))
  .sort();
const docs = allDocs.filter((f) => !RUN_ELSEWHERE.has(f));

interface Block {
  /** The info string after the fence, e.g. `csv file=a.csv` or `sh test`. */
  info: string;
  body: string;
  line: number;
}

/** Fenced blocks of a markdown text, in order. */
function fencedBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i]);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i].startsWith('```'); i++) body.push(lines[i]);
    blocks.push({ info: open[1].trim(), body: `${body.join('\n')}\n`, line: start + 1 });
  }
  return blocks;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(text: string): Set<string> {
  const out = new Set<string>();
  let inFence = false;
  for (const l of text.split('\n')) {
    if (l.startsWith('```')) inFence = !inFence;
    const h = /^#{1,6} (.*)$/.exec(l);
    if (!inFence && h !== null) out.add(slug(h[1]));
  }
  return out;
}

/** The words of a command line (no quoting needed in the docs' examples). */
const words = (line: string) => line.trim().split(/\s+/);

describe.each(docs)('docs/%s: the examples run', (doc) => {
  const blocks = fencedBlocks(readFileSync(join(docsDir, doc), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'gpulet-docs-'));
  const files = new Set<string>();
  for (const b of blocks) {
    const name = /(?:^|\s)file=(\S+)/.exec(b.info)?.[1];
    if (name === undefined) continue;
    writeFileSync(join(dir, name), b.body);
    files.add(name);
  }
  /** A command's words with the docs' file names pointing into the temp folder. */
  const argv = (line: string) => words(line).map((w) => (files.has(w) ? join(dir, w) : w));
  const commands = blocks.flatMap((b, i) =>
    b.info === 'sh test' || b.info === 'sh fails'
      ? b.body
          .split('\n')
          .filter((l) => l.startsWith('gpulet '))
          .map((l) => ({ line: l, fails: b.info === 'sh fails', stderr: blocks[i + 1], at: b.line }))
      : [],
  );
  const scripts = blocks.filter((b) => b.info === 'ts test');

  if (commands.length === 0 && scripts.length === 0)
    it('has no runnable example', () => expect(blocks.some((b) => b.info.includes('file='))).toBe(false));

  it.each(commands.map((c) => [c.line, c] as const))('%s', async (_line, c) => {
    const r = await cli(...argv(c.line).slice(1));
    if (!c.fails) {
      expect(r.err.split('\n').filter((l) => l.startsWith('gpulet: '))).toEqual([]);
      expect(r.code).toBe(0);
      expect(r.out).not.toBe('');
      return;
    }
    expect(c.stderr?.info, `line ${c.at}: a sh fails block is followed by a text stderr block`).toBe('text stderr');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.replaceAll(`${dir}/`, '')).toBe(c.stderr?.body);
  });

  it.each(scripts.map((b) => [`ts block at line ${b.line}`, b] as const))('%s', (_name, b) => {
    // The block is plain JavaScript calling the API; file names become the temp folder's.
    let code = b.body;
    for (const f of files) code = code.replaceAll(`'${f}'`, JSON.stringify(join(dir, f)));
    const run = new Function('api', `const { loadContext, plan, simulate } = api;\n${code}\nreturn { p, r };`);
    const { p, r } = run(api) as { p: api.Plan; r: api.SimulateResult };
    expect(p.feasible).toBe(true);
    expect(r.requests.completed + r.requests.dropped).toBe(r.requests.arrived);
    expect(r.requests.arrived).toBeGreaterThan(0);
  });
});

describe('docs/ anchors', () => {
  const targets = new Map(allDocs.map((d) => [d, anchors(readFileSync(join(docsDir, d), 'utf8'))]));
  const sources: string[] = [join(root, 'README.md'), ...allDocs.map((d) => join(docsDir, d))];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) sources.push(p);
    }
  };
  for (const top of ['engine', 'sim', 'backends', 'experiments', 'test', 'examples']) walk(join(root, top));
  const cites = sources.flatMap((path) =>
    [...readFileSync(path, 'utf8').matchAll(/docs\/([a-z0-9-]+\.md)#([a-z0-9-]+)/g)].map((m) => ({
      from: relative(root, path),
      doc: m[1],
      anchor: m[2],
    })),
  );

  it('are cited from the code', () => expect(cites.length).toBeGreaterThan(10));

  it('every docs/NAME.md#anchor cited names a heading of NAME.md', () => {
    const broken = cites
      .filter((c) => !targets.get(c.doc)?.has(c.anchor))
      .map((c) => `${c.from}: docs/${c.doc}#${c.anchor}`);
    expect(broken).toEqual([]);
  });

  it('slug(heading) is GitHub anchor: lower case, punctuation dropped, spaces to hyphens', () => {
    expect(slug('Models catalog CSV')).toBe('models-catalog-csv');
    expect(slug('Figure 12: maximum throughput')).toBe('figure-12-maximum-throughput');
    expect(slug('Batching cost and safety factor (1.1)')).toBe('batching-cost-and-safety-factor-11');
  });
});
