/**
 * results/REPORT.md, generated from the CSVs present: the headline, then for every figure our
 * numbers next to the paper's, their ratio, and a sentence for every difference above 15 %
 * (each study's figure.ts). Pure apart from reading the folder; no timestamps, so the same
 * CSVs give the same report byte for byte.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FIG12 as PAPER_FIG12, HEADLINE, WORKLOADS } from '../lib/paper.ts';
import { loadInputs, outputBase, type Comparison, type FigureDef, type Section } from '../figures/figure.ts';
import { FIG12_FILE, meanGain, HEADLINE_SEARCH, type Headline } from './fig12/figure.ts';
import { FIGURES, figureByName } from './index.ts';
import { unexplained } from '../figures/notes.ts';
import { findTable, num, numList } from '../figures/table.ts';
import { meanCi, type MeanCi } from '../figures/stats.ts';

/** Relative difference above which the report asks for a sentence. */
export const DIFFERENCE_THRESHOLD = 0.15;

/** A number for a table: 3 significant figures, no exponent. */
export function fmtNum(v: number): string {
  const a = Math.abs(v);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return Number(v.toFixed(digits)).toLocaleString('en-US', { maximumFractionDigits: digits });
}

const pct = (gain: number, digits = 1) => `${gain >= 0 ? '+' : '−'}${Math.abs(100 * gain).toFixed(digits)} %`;
const withCi = (v: number | null, ci: MeanCi | null | undefined) =>
  v === null ? 'n/s' : ci ? `${fmtNum(v)} [${fmtNum(ci.lo)}, ${fmtNum(ci.hi)}]` : fmtNum(v);

export type Verdict = { differs: false } | { differs: true; ratio: number | null; sentence: string };

/** The sentence for a difference: the first of the figure's notes that matches, else "unexplained". */
export function explain(figure: string, item: string): string {
  return figureByName(figure)?.notes?.find((n) => n.item.test(item))?.text ?? unexplained(figure);
}

/** Whether a comparison differs by more than 15 %, and the sentence that goes with it. */
export function judge(figure: string, c: Comparison): Verdict {
  if (c.ours === null && c.paper === null) return { differs: false };
  if (c.ours === null || c.paper === null) {
    const what =
      c.ours === null
        ? 'Ours is not schedulable (or missing) where the paper has a value.'
        : 'The paper has no value (not schedulable) where ours has one.';
    return { differs: true, ratio: null, sentence: `${what} ${explain(figure, c.item)}` };
  }
  const ratio = c.paper === 0 ? (c.ours === 0 ? 1 : Infinity) : c.ours / c.paper;
  if (Math.abs(ratio - 1) <= DIFFERENCE_THRESHOLD) return { differs: false };
  if (c.boundPct !== undefined && c.ours <= c.boundPct && c.paper <= c.boundPct)
    return {
      differs: true,
      ratio,
      sentence: `Both are within the ${c.boundPct} % bound, which is all the paper claims for them; a ratio of two percentages this small is within run-to-run noise.`,
    };
  return { differs: true, ratio, sentence: explain(figure, c.item) };
}

function sectionMarkdown(def: FigureDef, s: Section, image: string | null, sources: string[]): string[] {
  const labels = s.labels ?? { ours: 'ours', paper: 'paper' };
  const out = [
    `## ${s.heading}`,
    '',
    ...(image ? [`![${def.name}](${image})`, ''] : []),
    `From ${sources.map((f) => `\`${f}\``).join(', ')}. ${s.intro.join(' ')}`,
    '',
  ];
  const value = (v: number | null, unit: string, ci?: MeanCi | null) =>
    v === null ? 'n/s' : `${withCi(v, ci)}${unit === '' ? '' : ` ${unit}`}`;
  // Differences sharing a sentence are listed together, in table order.
  const bySentence = new Map<string, string[]>();
  if (s.comparisons.length > 0) {
    out.push(`| | ${labels.ours} | ${labels.paper} | ratio | |`, '|---|---|---|---|---|');
    for (const c of s.comparisons) {
      const v = judge(def.name, c);
      const ratio = c.ours !== null && c.paper !== null && c.paper !== 0 ? `${(c.ours / c.paper).toFixed(2)}` : '–';
      out.push(
        `| ${c.item} | ${value(c.ours, c.unit, c.ci)} | ${value(c.paper, c.unit)} | ${ratio} | ${v.differs ? '> 15 %' : ''} |`,
      );
      if (!v.differs) continue;
      const list = bySentence.get(v.sentence) ?? [];
      list.push(
        `**${c.item}** (${labels.ours} ${value(c.ours, c.unit, c.ci)}, ${labels.paper} ${value(c.paper, c.unit)})`,
      );
      bySentence.set(v.sentence, list);
    }
    out.push('');
    if (s.comparisons.some((c) => c.ci)) out.push('Brackets: 95 % t-interval across 3 seeds (cut at 0).', '');
  }
  if (bySentence.size > 0)
    out.push(
      'Differences above 15 %:',
      '',
      ...[...bySentence].map(([sentence, items]) => `- ${items.join('; ')}: ${sentence}`),
      '',
    );
  if (s.extra && s.extra.length > 0) out.push(...s.extra, '');
  return out;
}

/** The headline sentence, e.g. `gpulet-int vs temporal: +52.3 % (paper +61.7 %)`. */
export function headlineSentence(h: Headline): string {
  // Seeds that all stop at the same rates (plan-bound maxima) give no interval worth printing.
  const ci =
    h.ci && h.ci.hi - h.ci.lo > 1e-9
      ? `; 95 % interval across ${h.ci.n} seeds ${pct(h.ci.lo)} to ${pct(h.ci.hi)}`
      : h.ci
        ? `; every one of ${h.ci.n} seeds alone gives the same`
        : '';
  return `gpulet-int vs temporal: ${pct(h.ours)} (paper ${pct(h.paper)})${ci}`;
}

/** Mean over workloads of gpulet-int / temporal of the served maxima (up search), with per-seed interval. */
function servedGain(rows: readonly Record<string, string>[]): { gain: number; ci: MeanCi | null } | null {
  const up = (w: string, s: string) => rows.find((r) => r.workload === w && r.scheduler === s && r.search === 'up');
  const ratios = WORKLOADS.map(
    (w) =>
      (num(up(w, 'gpulet-int') ?? {}, 'served_max_rps') ?? NaN) /
      (num(up(w, 'temporal') ?? {}, 'served_max_rps') ?? NaN),
  );
  if (!ratios.every(Number.isFinite)) return null;
  const perSeed: number[] = [];
  for (let i = 0; ; i++) {
    const rs = WORKLOADS.map(
      (w) =>
        (numList(up(w, 'gpulet-int') ?? {}, 'served_seeds_rps')[i] ?? NaN) /
        (numList(up(w, 'temporal') ?? {}, 'served_seeds_rps')[i] ?? NaN),
    );
    if (!rs.every(Number.isFinite)) break;
    perSeed.push(rs.reduce((a, b) => a + b, 0) / rs.length - 1);
  }
  return {
    gain: ratios.reduce((a, b) => a + b, 0) / ratios.length - 1,
    ci: perSeed.length >= 3 ? meanCi(perSeed) : null,
  };
}

function maximaTable(t: NonNullable<ReturnType<typeof findTable>>, search: string): string[] {
  const schedulers = ['temporal', 'greedy', 'gpulet', 'gpulet-int'] as const;
  const at = (w: string, s: string) =>
    num(t.rows.find((r) => r.workload === w && r.scheduler === s && r.search === search) ?? {}, 'max_rate_rps');
  const out = [
    `| workload | ${schedulers.join(' | ')} | gpulet-int / temporal |`,
    `|---|${schedulers.map(() => '---').join('|')}|---|`,
  ];
  for (const w of WORKLOADS) {
    const p = PAPER_FIG12[w];
    const cells = schedulers.map((s) => `${at(w, s) ?? '–'} (${p[s]})`);
    const r = (at(w, 'gpulet-int') ?? NaN) / (at(w, 'temporal') ?? NaN);
    out.push(
      `| ${w} | ${cells.join(' | ')} | ${Number.isFinite(r) ? r.toFixed(2) : '–'} (${(p['gpulet-int'] / p.temporal).toFixed(2)}) |`,
    );
  }
  return out;
}

function headlineTable(dir: string, quick: boolean): string[] {
  const t = findTable(dir, FIG12_FILE, quick);
  if (t === null) return ['No fig12.csv yet: run `npm start` (or `gpulet experiment fig12`) for the headline.', ''];
  const inputs = { [FIG12_FILE]: t, 'fig12-seeds.csv': findTable(dir, 'fig12-seeds.csv', quick) };
  const h = meanGain(inputs, 'temporal', HEADLINE_SEARCH);
  const out = h ? [`**${headlineSentence(h)}**`, ''] : [];
  const others = (['greedy', 'gpulet'] as const)
    .map((o) => ({ o, g: meanGain(inputs, o, HEADLINE_SEARCH) }))
    .filter((x) => x.g !== null);
  if (others.length > 0)
    out.push(
      `Also: ${others.map(({ o, g }) => `vs ${o} ${pct(g!.ours)} (paper ${pct(g!.paper)})`).join('; ')}. Means over the ${WORKLOADS.length} workloads of per-workload ratios, as the paper computes them; the paper's procedure (raise the rate until the first failure: search \`${HEADLINE_SEARCH}\`), from \`${t.file}\`.`,
      '',
    );
  const ups = t.rows.filter((r) => r.search === HEADLINE_SEARCH);
  const planBound = ups.filter((r) => (r.failure ?? '').startsWith('plan infeasible')).length;
  const served = servedGain(t.rows);
  if (ups.length > 0)
    out.push(
      `${planBound} of these ${ups.length} maxima are set by the plan (the next rate is planned infeasible), not by simulated violations, so every seed stops at the same rate and an interval over seeds says nothing there.` +
        (served
          ? ` Bounded by simulation instead: the plan made at each maximum, served at rising load until the median of the seeds exceeds 1 % (\`served_max_rps\`), gives gpulet-int vs temporal ${pct(served.gain)}${served.ci ? `, 95 % interval across ${served.ci.n} seeds ${pct(served.ci.lo)} to ${pct(served.ci.hi)}` : ''}.`
          : ''),
      '',
    );
  const mean = h ? (1 + h.ours).toFixed(3) : '–';
  out.push(
    `Maximum SLO-preserving rate on 4 GPUs, req/s, ours (paper), search \`${HEADLINE_SEARCH}\`:`,
    '',
    ...maximaTable(t, HEADLINE_SEARCH),
    `| **mean** | | | | | **${mean} (${HEADLINE.intOverTemporal})** |`,
    '',
  );
  const down = meanGain(inputs, 'temporal', 'down');
  if (down)
    out.push(
      `The artifact's peak search (search \`down\`: plan every rate, then the highest plan-feasible rates that also meet the bound) steps over rates that fail below the maximum: gpulet-int vs temporal ${pct(down.ours)}.`,
      '',
      ...maximaTable(t, 'down'),
      '',
    );
  return out;
}

/** The whole report for the CSVs in `dir`. */
export function buildReport(dir: string, opts: { quick?: boolean; figures?: readonly FigureDef[] } = {}): string {
  const quick = opts.quick ?? false;
  const out = [
    "# gpulet: our results next to the paper's",
    '',
    `Generated by \`gpulet figures${quick ? ' --quick' : ''}\` from the CSVs in this folder; do not edit by hand (explanations live in each study's experiments/studies/NAME/figure.ts). ` +
      'Paper: Choi et al., "Serving Heterogeneous Machine Learning Models on Multi-GPU Servers with Spatio-Temporal Sharing", USENIX ATC 2022; its values are in experiments/lib/paper.ts (read off its figures; docs/artifact.md#results). ' +
      `Every difference above ${100 * DIFFERENCE_THRESHOLD} % gets a sentence; "unexplained" means nobody has justified it yet.`,
    '',
    '## Headline',
    '',
    ...headlineTable(dir, quick),
  ];
  const index: string[] = ['## Figures', '', '| figure | status | differences > 15 % |', '|---|---|---|'];
  const body: string[] = [];
  for (const def of opts.figures ?? FIGURES) {
    const loaded = loadInputs(def, dir, quick);
    if (!loaded.ok) {
      index.push(`| ${def.name} | skipped: ${loaded.reason} | |`);
      continue;
    }
    const section = def.report(loaded.inputs);
    const base = outputBase(def, loaded.files);
    const image = existsSync(join(dir, `${base}.svg`)) ? `${base}.svg` : null;
    const flagged = section.comparisons.filter((c) => judge(def.name, c).differs).length;
    index.push(
      `| [${def.name}](#${slug(section.heading)}) | ${image ? `drawn (${base}.svg, .png)` : 'not drawn yet'} from ${loaded.files.join(', ')} | ${flagged} of ${section.comparisons.length} |`,
    );
    body.push(...sectionMarkdown(def, section, image, loaded.files));
  }
  return [...out, ...index, '', ...body].join('\n').replace(/\n+$/, '\n');
}

/** GitHub's heading anchor. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replace(/ /g, '-');
}
