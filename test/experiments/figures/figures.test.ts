import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { drawFigure } from '../../../experiments/figures/draw.ts';
import { loadInputs } from '../../../experiments/figures/figure.ts';
import { FIG12, HEADLINE_SEARCH } from '../../../experiments/studies/fig12/figure.ts';
import { PROMISES } from '../../../experiments/studies/promises/figure.ts';
import { fig3Rows } from '../../../experiments/studies/fig3/figure.ts';
import { FIGURES } from '../../../experiments/studies/index.ts';
import { FONT_FILE, renderPng, renderSvg } from '../../../experiments/figures/render.ts';
import { meanCi } from '../../../experiments/figures/stats.ts';
import { textWidthPx, vegaTextWidth } from '../../../experiments/figures/text-width.ts';
import { FONT_FAMILY } from '../../../experiments/figures/style.ts';
import { main } from '../../../experiments/cli/main.ts';
import { buildReport, fmtNum, judge } from '../../../experiments/studies/report.ts';
import { FIG12 as PAPER_FIG12, WORKLOADS } from '../../../experiments/lib/paper.ts';

/** A results folder holding `files`. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gpulet-figures-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const SCHEDULERS = ['temporal', 'greedy', 'gpulet', 'gpulet-int'] as const;
/** fig12.csv where gpulet-int doubles temporal on every workload (so the headline is +100.0 %). */
function fig12Csv(): string {
  const rows = WORKLOADS.flatMap((w) =>
    SCHEDULERS.map((s) => {
      const ours = { temporal: 500, greedy: 600, gpulet: 900, 'gpulet-int': 1000 }[s];
      return `${w},${s},${HEADLINE_SEARCH},${ours},${PAPER_FIG12[w][s]},${(ours / PAPER_FIG12[w][s]).toFixed(3)},0.5,4,${ours + 10},plan infeasible`;
    }),
  );
  return `workload,scheduler,search,max_rate_rps,paper_rps,ratio_to_paper,slo_violation_pct,gpus,first_failure_rps,failure\n${rows.join('\n')}\n`;
}
/** Per-seed maxima: gpulet-int / temporal is 1.9, 2.0 and 2.1 for seeds 1, 2, 3 on every workload. */
function fig12SeedsCsv(): string {
  const rows = WORKLOADS.flatMap((w) =>
    SCHEDULERS.flatMap((s) =>
      [1, 2, 3].map(
        (seed) =>
          `${w},${s},${HEADLINE_SEARCH},${seed},${s === 'gpulet-int' ? 1000 : s === 'temporal' ? [1000 / 1.9, 500, 1000 / 2.1][seed - 1] : 700},${PAPER_FIG12[w][s]},0,0`,
      ),
    ),
  );
  return `workload,scheduler,search,seed,max_rate_rps,paper_rps,slo_violation_pct,first_failure_rps\n${rows.join('\n')}\n`;
}

describe('renderSvg / renderPng', () => {
  it('draws text with the bundled font only (resvg drops text silently without a font)', () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="white"/><text x="5" y="28" font-family="${FONT_FAMILY}" font-size="24">gpulet</text></svg>`;
    const dark = (fontFiles: string[]) => {
      const img = new Resvg(svg, {
        font: { fontFiles, loadSystemFonts: false, defaultFontFamily: FONT_FAMILY },
      }).render();
      let n = 0;
      for (let i = 0; i < img.pixels.length; i += 4) if (img.pixels[i] < 128) n++;
      return n;
    };
    expect(dark([])).toBe(0);
    expect(dark([FONT_FILE])).toBeGreaterThan(100);
    expect(renderPng(svg).subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('renders a vega-lite spec to SVG with no compiler warnings', async () => {
    const r = await renderSvg({
      data: { values: [{ x: 1, y: 2 }] },
      mark: 'point',
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
    });
    expect(r.warnings).toEqual([]);
    expect(r.svg).toMatch(/^<svg /);
  });
});

describe('textWidthPx(text, size)', () => {
  it('sums DejaVu Sans advance widths (g p u .6348, .6348, .6338; l .2778; e .6152; t .3921 em)', () => {
    expect(textWidthPx('gpulet', 10)).toBeCloseTo(31.885, 9);
    expect(vegaTextWidth({}, ' 1 ')).toBeCloseTo(0.6362 * 11, 9);
  });
});

describe('meanCi(xs)', () => {
  it('is the mean with a 95 % Student-t interval (t(0.975, 2) = 4.3027 standard errors for 3 values)', () => {
    const ci = meanCi([1, 2, 3]);
    expect(ci.mean).toBe(2);
    // Published t quantiles: 4.302653 (df 2), 2.042272 (df 30), 1.983972 (df 100).
    expect(ci.hi).toBeCloseTo(2 + 4.302653 / Math.sqrt(3), 5);
    expect(ci.lo).toBeCloseTo(2 - 4.302653 / Math.sqrt(3), 5);
    expect(meanCi([1, 2, 3], { min: 0 }).lo).toBe(0);
    expect(meanCi([5])).toEqual({ mean: 5, lo: 5, hi: 5, n: 1 });
  });

  it('uses the exact t quantile for any sample size, not the normal 1.96 beyond a table', () => {
    const halfOf = (n: number) => {
      // n values alternating 0 and 1 (sample sd known), so the half-width gives t back.
      const xs = Array.from({ length: n }, (_, i) => i % 2);
      const ci = meanCi(xs);
      const mean = xs.reduce((a, b) => a + b, 0) / n;
      const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
      return (ci.hi - ci.mean) / (sd / Math.sqrt(n));
    };
    expect(halfOf(31)).toBeCloseTo(2.042272, 5);
    expect(halfOf(101)).toBeCloseTo(1.983972, 5);
  });
});

describe('judge(figure, comparison)', () => {
  it('asks for a sentence only beyond 15 %, explains both-under-bound violations itself, and calls the rest unexplained', () => {
    expect(judge('fig15', { item: 'x', ours: 115, paper: 100, unit: '' }).differs).toBe(false);
    const far = judge('fig15', { item: 'x', ours: 116, paper: 100, unit: '' });
    expect(far).toMatchObject({ differs: true });
    expect(far.differs && far.sentence).toMatch(/^Unexplained\. \*\*\[slot for the lead/);
    const small = judge('fig13', { item: 'x', ours: 0, paper: 0.3, unit: '%', boundPct: 1 });
    expect(small.differs && small.sentence).toMatch(/^Both are within the 1 % bound/);
    const refused = judge('fig13', { item: 'x', ours: null, paper: 0.8, unit: '%', boundPct: 1 });
    expect(refused.differs && refused.sentence).toMatch(/^Ours is not schedulable/);
    expect(judge('fig13', { item: 'x', ours: null, paper: null, unit: '%' }).differs).toBe(false);
  });

  it('fmtNum keeps three significant figures', () => {
    expect([fmtNum(1234.5), fmtNum(17.66), fmtNum(4.404), fmtNum(0.0912)]).toEqual(['1,235', '17.7', '4.4', '0.091']);
  });
});

describe('loadInputs(figure, dir)', () => {
  it('skips a figure whose CSV is missing or lacks a column, with a note instead of an error', () => {
    const empty = folder({});
    expect(loadInputs(FIG12, empty, false)).toEqual({
      ok: false,
      reason: `fig12.csv not found in ${empty} (run \`gpulet experiment fig12\`)`,
    });
    const bad = folder({ 'fig12.csv': 'workload,scheduler\ngame,temporal\n' });
    expect(loadInputs(FIG12, bad, false)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^fig12\.csv lacks column\(s\) search, max_rate_rps, paper_rps/),
    });
  });

  it('prefers the -quick CSV with quick', () => {
    const dir = folder({ 'fig12.csv': fig12Csv(), 'fig12-quick.csv': fig12Csv() });
    expect(loadInputs(FIG12, dir, true)).toMatchObject({ ok: true, files: ['fig12-quick.csv'] });
    expect(loadInputs(FIG12, dir, false)).toMatchObject({ ok: true, files: ['fig12.csv'] });
  });
});

describe('fig3Rows()', () => {
  it('gives ours at every batch of the four Figure-3 models, equal to the paper at the 144 points read', () => {
    const rows = fig3Rows();
    expect(rows).toHaveLength(4 * 6 * 32);
    const read = rows.filter((r) => r.paper_ms !== null);
    expect(read).toHaveLength(144);
    for (const r of read) expect(r.ours_ms).toBeCloseTo(r.paper_ms as number, 9);
    expect(rows.find((r) => r.model === 'resnet50' && r.partition === 20 && r.batch === 32)).toMatchObject({
      ours_ms: 118.8,
      paper_ms: 118.8,
      source: 'fig3',
    });
  });
});

describe('every figure', () => {
  /** Small CSVs in each study's columns (as written by the studies in experiments/). */
  const fixtures: Record<string, string> = {
    'fig3.csv':
      'model,partition,batch,ours_ms,paper_ms,source\ngooglenet,20,1,9.8,9.8,fig3\ngooglenet,20,2,9.8,9.8,fig3\ngooglenet,20,3,9.9,,fig3-interp\nvgg16,100,1,4.2,4.2,fig3\n',
    'fig5.csv':
      'pair,temporal_norm,gpulet_int_norm,static_ideal_norm\nssd-mobilenetv1+bert,0.489,1.34,1.33\nresnet50+vgg16,0.846,1.321,1.321\n',
    'fig6-overhead-cdf.csv': 'percentile,overhead_pct,paper_overhead_pct\n0,-1,\n50,4.6,4.4\n100,57,60\n',
    'fig10-error-cdf.csv':
      'percentile,error_pct,paper_error_pct,published_constants_error_pct\n0,0.1,,0.2\n50,2.3,3.3,4.3\n100,26,51,27\n',
    'fig12.csv': fig12Csv(),
    'fig12-seeds.csv': fig12SeedsCsv(),
    'fig13.csv':
      'workload,scheduler,slo_violation_pct_at_paper_rate\ngame,gpulet,0.5\ngame,gpulet-int,\nscen3,gpulet,3.1\n',
    'fig14.csv':
      'start_s,end_s,rate_rps,gpus,partition_sum_pct,slo_violation_pct\n0,20,300,2,140,0\n20,40,900,3,200,0.2\n1300,1320,2500,8,650,0.5\n',
    'fig15.csv': 'scheduler,scenarios,schedulable\ntemporal,202,55\ngpulet-int,202,190\nideal,202,195\n',
    'fig16.csv': 'workload,gpulet_int_rps,ideal_rps,ratio,paper_ratio\ngame,1790,2000,0.895,0.94\n',
    'fidelity-summary.csv':
      'sim_model,load_pct,model,seeds,real_p50_ms,sim_p50_ms,p50_error_pct,p99_error_pct,violation_error_points\n' +
      'lognormal,10,all,3,18.8,15,-20.2,-8,0\n+dispatch,10,all,3,18.8,18.5,-1.6,-3,0\n+dispatch,110,all,3,40,38,-5,-9,0.5\n',
    'cpu-interference-cdf.csv':
      'percentile,none_error_pct,linear_error_pct,igniter_error_pct,knn_error_pct,paper_error_pct\n' +
      '0,0,0.1,0,0.2,\n50,8.4,8.6,9.3,10.5,3.3\n90,16.3,19.5,19.3,21.9,10.26\n100,23.3,29.7,28,32.9,51\n',
    'cpu-interference-summary.csv':
      'predictor,points,p50,p75,p90,p95,max\nnone,90,8.42,12.95,16.3,19.85,23.32\nlinear,90,8.55,14.29,19.45,23.06,29.74\n',
    'mixes.csv':
      'mix,models,scheduler,max_rate_rps\nmix1,resnet50+vgg16,temporal,1000\nmix1,resnet50+vgg16,gpulet-int,1500\nmix1,resnet50+vgg16,ideal,1600\n',
    'bursts.csv':
      'trace,trace_seed,variant,scheduler,windows,windows_ok,worst_window_pct,worst_window_start_s,worst_window_rate_rps,gpu_seconds\n' +
      'spike3,0,gpulet-int,gpulet-int,90,89,56,300,1872,6139\nspike3,0,gpulet-int-foresight,gpulet-int,90,90,0,0,600,6154\nspike3,0,temporal,temporal,90,89,69,300,1872,8289\n' +
      'spike3,1000,gpulet-int,gpulet-int,90,90,0.5,300,1500,6000\n',
    'bursts-windows.csv':
      'trace,variant,start_s,rate_rps,gpus,partition_sum_pct,slo_violation_pct\nspike3,gpulet-int,0,600,2,200,0\nspike3,gpulet-int,20,1872,5,500,56\nspike3,temporal,0,600,3,300,0\n',
    'a100.csv':
      'row,models,rate_rps,scheduler,feasible,gpus_used,parvagpu_c_gpus,parvagpu_shipped_gpus,slo_violation_pct,worst_model,worst_model_violation_pct\n' +
      '5,11,26229,parvagpu,1,13,13,13,5.07,densenet121,59.5\n5,11,26229,gpulet-mig,1,18,13,13,0,,0\n' +
      '5,11,26229,gpulet-int,1,23,13,13,0,,0\n5,11,26229,temporal,1,23,13,13,0,,0\n',
    'promises.csv':
      'workload,scheduler,fixes,max_plan_rate_rps,pct_of_max,rate_rps,plan_feasible,slo_violation_pct,seeds_pct\n' +
      'scen3,gpulet-int,all,2250,50,1110,true,0,0 0 0\nscen3,gpulet-int,none,2190,50,1080,true,2.5,2 2.5 3\nscen3,temporal,all,1560,100,1560,false,,\n',
  };

  it.each(FIGURES.map((f) => [f.name, f] as const))(
    '%s draws from its CSV with no warnings, and reports ours next to the paper',
    async (_name, def) => {
      const dir = folder(fixtures);
      const drawn = await drawFigure(def, dir);
      expect(drawn).toMatchObject({ status: 'drawn', warnings: [] });
      const svg = readFileSync(join(dir, `${def.name}.svg`), 'utf8');
      expect(svg).toMatch(/^<svg /);
      expect(
        readFileSync(join(dir, `${def.name}.png`))
          .subarray(1, 4)
          .toString('latin1'),
      ).toBe('PNG');
      const loaded = loadInputs(def, dir, false);
      if (!loaded.ok) throw new Error(loaded.reason);
      const section = def.report(loaded.inputs);
      // Ours next to the paper's; a study with no paper counterpart (promises) reports a table of its own.
      expect(section.comparisons.length + (section.extra?.length ?? 0)).toBeGreaterThan(0);
    },
  );

  it('promises reports the broken promises it counts from the CSV (no typed numbers)', () => {
    const dir = folder({ 'promises.csv': fixtures['promises.csv'] });
    const loaded = loadInputs(PROMISES, dir, false);
    if (!loaded.ok) throw new Error(loaded.reason);
    const md = PROMISES.report(loaded.inputs).extra?.join('\n') ?? '';
    expect(md).toContain('| gpulet-int | all fixes | 1 | 0 | 0.0 % | – |');
    expect(md).toContain(
      '| gpulet-int | the artifact (--fixes none: its scheduler and serving path) | 1 | 1 | 100.0 % | 2.50 % (scen3 @ 1080 req/s) |',
    );
    expect(md).toContain('gpulet-int with every fix broke 0 of its 1 plan-feasible points');
  });
});

describe('buildReport(dir)', () => {
  it('leads with the headline computed as the paper does (mean of per-workload ratios), with its interval across seeds', () => {
    const dir = folder({ 'fig12.csv': fig12Csv(), 'fig12-seeds.csv': fig12SeedsCsv() });
    const md = buildReport(dir);
    // Per seed the mean ratio is 1.9, 2.0, 2.1: mean gain +100 %, t-interval ± 4.303 * 0.1 / sqrt(3).
    const half = (4.303 * 0.1) / Math.sqrt(3);
    expect(md).toContain(
      `**gpulet-int vs temporal: +100.0 % (paper +61.7 %); 95 % interval across 3 seeds +${(100 * (1 - half)).toFixed(1)} % to +${(100 * (1 + half)).toFixed(1)} %**`,
    );
    expect(md).toContain('| game | 500 (690) | 600 (340) | 900 (1600) | 1000 (1650) | 2.00 (2.39) |');
    expect(md).toMatch(/\| fig14 \| skipped: fig14\.csv not found/);
    expect(buildReport(dir)).toBe(md);
  });
});

describe('gpulet figures', () => {
  async function cli(...argv: string[]) {
    let out = '';
    let err = '';
    const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
    return { code, out, err };
  }

  it('--draw-only draws every figure whose CSV exists on worker threads, notes the rest, and writes REPORT.md', async () => {
    const dir = folder({
      'fig12.csv': fig12Csv(),
      'fig6-overhead-cdf.csv': 'percentile,overhead_pct,paper_overhead_pct\n50,4.6,4.4\n',
    });
    const r = await cli('figures', '--draw-only', '--out', dir, '--jobs', '2', '--format', 'json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as {
      figures: Array<{ name: string; status: string }>;
      report: string;
      failures: string[];
    };
    expect(doc.failures).toEqual([]);
    expect(doc.figures.filter((f) => f.status === 'drawn').map((f) => f.name)).toEqual(['fig6', 'fig12']);
    expect(doc.figures.filter((f) => f.status === 'skipped').length).toBe(FIGURES.length - 2);
    for (const f of ['fig6.svg', 'fig6.png', 'fig12.svg', 'fig12.png', 'REPORT.md'])
      expect(existsSync(join(dir, f))).toBe(true);
  });

  it('refuses an unknown --only name in one line, exit 2', async () => {
    const r = await cli('figures', '--only', 'fig99', '--draw-only');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^gpulet: --only: expected names from .*fig12.*, got "fig99"\n$/);
  });
});

describe('fidelity figure', () => {
  it('draws error against load: a point per load (never stacked), a row per simulator model, readable titles', async () => {
    const { FIDELITY, fidelityValues } = await import('../../../experiments/studies/fidelity/figure.ts');
    const { parseTable } = await import('../../../experiments/figures/table.ts');
    const t = parseTable(
      'fidelity-summary.csv',
      'sim_model,load_pct,model,p50_error_pct,p50_error_lo,p50_error_hi,p99_error_pct,violation_error_points\n' +
        'lognormal,10,resnet50,-9,-12,-6,-4,0\n+dispatch,10,resnet50,-1,-3,1,-2,0\n+dispatch,50,resnet50,2,,,-3,0.2\n',
    );
    const values = fidelityValues(t).filter((v) => v.error === 'p50 latency error, %');
    expect(values.map((v) => [v.simModel, v.load, v.value, v.lo, v.hi])).toEqual([
      ['lognormal', 10, -9, -12, -6],
      ['+dispatch', 10, -1, -3, 1],
      ['+dispatch', 50, 2, null, null],
    ]);
    const spec = FIDELITY.figure({ 'fidelity-summary.csv': t }) as {
      facet: { row: { sort: string[] }; column: { sort: string[] } };
      spec: { layer: Array<{ encoding: { x: { field: string } } }> };
    };
    expect(spec.facet.row.sort).toEqual(['lognormal', '+dispatch']);
    expect(spec.facet.column.sort).toEqual([
      'p50 latency error, %',
      'p99 latency error, %',
      'SLO violations error, points',
    ]);
    expect(spec.spec.layer[0].encoding.x.field).toBe('load');
  });
});

describe('fig13 figure', () => {
  it("writes 0 % over a zero bar and n/s over a refused rate, ours and the paper's", async () => {
    const { FIG13, figure13Label } = await import('../../../experiments/studies/fig13/figure.ts');
    expect([figure13Label(0), figure13Label(null), figure13Label(0.4)]).toEqual(['0 %', 'n/s', '']);
    const { parseTable } = await import('../../../experiments/figures/table.ts');
    const t = parseTable(
      'fig13.csv',
      'workload,scheduler,slo_violation_pct_at_paper_rate\nscen2,gpulet,0\nscen2,gpulet-int,\n',
    );
    const spec = FIG13.figure({ 'fig13.csv': t }) as {
      data: { values: Array<{ scheduler: string; label: string; paperLabel: string }> };
    };
    const byScheduler = Object.fromEntries(spec.data.values.map((v) => [v.scheduler, v]));
    expect(byScheduler.gpulet).toMatchObject({ label: '0 %', paperLabel: '' });
    // The paper has no gpulet-int bar for scen2 (its Figure 13 marks it n/s), and neither do we here.
    expect(byScheduler['gpulet-int']).toMatchObject({ label: 'n/s', paperLabel: 'paper: n/s' });
  });
});

describe('fig15 figure', () => {
  it('writes each bar its value, so bars of 97-100 % can be told apart', async () => {
    const { FIG15 } = await import('../../../experiments/studies/fig15/figure.ts');
    const { parseTable } = await import('../../../experiments/figures/table.ts');
    const t = parseTable('fig15.csv', 'scheduler,scenarios,schedulable\ngreedy,19682,19170\ngpulet,19682,19682\n');
    const spec = FIG15.figure({ 'fig15.csv': t }) as { data: { values: Array<{ scheduler: string; label: string }> } };
    expect(spec.data.values.map((v) => v.label)).toEqual(['97.4 %', '100.0 %']);
  });
});

describe('fig5 figure', () => {
  it("labels pairs with the models' full names, one per line, not `ssd+be`", async () => {
    const { FIG5 } = await import('../../../experiments/studies/fig5/figure.ts');
    const { parseTable } = await import('../../../experiments/figures/table.ts');
    const t = parseTable(
      'fig5.csv',
      'pair,temporal_norm,gpulet_int_norm,static_ideal_norm\nssd-mobilenetv1+bert,0.36,0.99,0.98\n',
    );
    const spec = JSON.stringify(FIG5.figure({ 'fig5.csv': t }));
    expect(spec).toContain('"pair":"ssd-mobilenetv1+bert"');
    expect(spec).toContain("split(datum.label, '+')");
    expect(spec).not.toContain('ssd+be');
  });
});

describe('fig14 figure', () => {
  it("draws the paper's peaks and maxima, and the offered rate in black, not a scheduler's colour", async () => {
    const { FIG14, paperMarks } = await import('../../../experiments/studies/fig14/figure.ts');
    expect(paperMarks('rate_rps')).toEqual([1600, 2680]);
    expect(paperMarks('gpus')).toEqual([8]);
    const { parseTable } = await import('../../../experiments/figures/table.ts');
    const t = parseTable('fig14.csv', 'scheduler,start_s,rate_rps,gpus\ntemporal,0,500,2\ngpulet-int,0,500,2\n');
    const spec = FIG14.figure({ 'fig14.csv': t }) as {
      vconcat: Array<{ layer: Array<{ encoding?: { color?: unknown } }> }>;
    };
    expect(spec.vconcat[0].layer[0].encoding?.color).toEqual({ value: '#000000' });
    expect(spec.vconcat[0].layer).toHaveLength(2); // the line and the paper's rules
  });
});

describe('cpu-interference figure', () => {
  it('compares the predictor with the lowest p90 here against the paper, and lists every predictor', async () => {
    const { CPU_INTERFERENCE, bestPredictor } = await import('../../../experiments/studies/cpu-interference/figure.ts');
    const { parseTable } = await import('../../../experiments/figures/table.ts');
    const summary = parseTable(
      'cpu-interference-summary.csv',
      'predictor,points,p50,p90,p95,max,p90_lo,p90_hi,best_share\nnone,9,8,16.3,19,23,14,18,0.1\nknn,9,7,12.1,15,20,10.5,14,0.9\nnoise,9,3,5,6,7,,,\n',
    );
    // The noise row is the measurement's, not a predictor: never "best" though its p90 is lowest.
    expect(bestPredictor(summary)).toBe('knn');
    const cdf = parseTable(
      'cpu-interference-cdf.csv',
      'percentile,none_error_pct,knn_error_pct,paper_error_pct\n50,8,7,3.3\n90,16.3,12.1,10.26\n',
    );
    const section = CPU_INTERFERENCE.report({
      'cpu-interference-cdf.csv': cdf,
      'cpu-interference-summary.csv': summary,
    });
    expect(section.comparisons.map((c) => [c.item, c.ours, c.paper])).toEqual([
      ['median', 7, 3.3],
      ['p90', 12.1, 10.26],
    ]);
    const extra = section.extra?.join('\n');
    expect(extra).toContain('| k-NN (3 nearest) | 9 | 7 | 12.1 | 10.5–14 | 90 % | 15 | 20 |');
    expect(extra).toContain('| noise of one round (solo timed twice) | 9 | 3 | 5 | – | – | 6 | 7 |');
  });
});
