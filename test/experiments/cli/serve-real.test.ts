/**
 * The real-execution commands end to end on a tiny profile (LeNet): `profile` writes a profile set
 * that `simulate` and `serve` both take; `serve` prints the `simulate` JSON shape; the MPS backend
 * and a missing profile are refused in one line with exit 2.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvParse } from 'd3-dsv';
import { describe, expect, it } from 'vitest';
import { cli } from '../../helpers.ts';
import { mpsPreflight } from '../../../backends/mps/preflight.ts';
import { parseModelList } from '../../../backends/onnx/models.ts';
import { InputError } from '../../../engine/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'gpulet-real-'));
const stem = join(dir, 'p');

describe('gpulet profile / simulate / serve on a measured profile', () => {
  it('profile writes STEM.csv (loader format), STEM.json (variants, SLOs) and STEM.workload.json', async () => {
    const r = await cli(
      'profile',
      '--models',
      'lenet',
      '--batches',
      '1,4,32',
      '--reps',
      '2',
      '--coloc-batches',
      '4',
      '--out',
      stem,
      '--format',
      'json',
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.files).toEqual([`${stem}.csv`, `${stem}.json`, `${stem}.workload.json`]);
    const csv = readFileSync(`${stem}.csv`, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('model,gpu,partition,batch,latency_ms,source');
    const parts = doc.profile.partitions_pct as number[];
    expect(parts).toContain(100);
    expect(csv).toHaveLength(1 + 3 * parts.length); // one row per (partition, batch)
    const lenet = doc.profile.models.lenet;
    expect(lenet.variant).toBe('lenet');
    // SLO = 2 x L(32, 100 %), as the paper's rule, from the written row.
    const l32 = Number(csv.find((l) => l.startsWith(`lenet,${doc.profile.gpu},100,32,`))!.split(',')[4]);
    expect(lenet.slo_ms).toBeCloseTo(2 * l32, 1);
    expect(lenet.colocation_slowdown.lenet).toBeGreaterThanOrEqual(1); // lenet next to lenet
    const workload = JSON.parse(readFileSync(`${stem}.workload.json`, 'utf8'));
    expect(workload).toMatchObject({
      gpus: 1,
      gpu: doc.profile.gpu,
      models: [{ model: 'lenet', slo_ms: lenet.slo_ms }],
    });
  }, 180_000); // real processes: a loaded machine takes its time

  it('simulate takes the measured profile and its workload', async () => {
    const r = await cli(
      'simulate',
      '--profiles',
      `${stem}.csv`,
      '-w',
      `${stem}.workload.json`,
      '-s',
      'gpulet',
      '--duration',
      '2',
      '--format',
      'json',
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.requests.arrived).toBe(doc.requests.completed + doc.requests.dropped);
  }, 180_000); // real processes: a loaded machine takes its time

  it('serve --backend onnx serves it for real and prints the simulate shape, accounting balanced', async () => {
    const r = await cli(
      'serve',
      '--profiles',
      `${stem}.csv`,
      '-w',
      `${stem}.workload.json`,
      '-s',
      'gpulet',
      '--rate',
      '400',
      '--duration',
      '1',
      '--format',
      'json',
      '--requests',
      `${stem}-requests.csv`,
      '--batches',
      `${stem}-batches.csv`,
      '--out',
      `${stem}-serve.json`,
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    // The same tables as a simulation's: one row per request, the finished batches hold the completed.
    expect(JSON.parse(readFileSync(`${stem}-serve.json`, 'utf8'))).toEqual(doc);
    const requests = csvParse(readFileSync(`${stem}-requests.csv`, 'utf8'));
    expect(requests.length).toBe(doc.requests.arrived);
    const batches = csvParse(readFileSync(`${stem}-batches.csv`, 'utf8'));
    expect(batches.filter((b) => b.ok === 'true').reduce((n, b) => n + Number(b.batch_size), 0)).toBe(
      doc.requests.completed,
    );
    for (const key of [
      'requests',
      'dropped_by_reason',
      'slo_violation_pct',
      'throughput_rps',
      'goodput_rps',
      'p50_ms',
      'p99_ms',
      'models',
    ])
      expect(doc).toHaveProperty(key);
    expect(doc.backend).toBe('onnx');
    expect(doc.requests.arrived).toBeGreaterThan(0);
    expect(doc.requests.arrived).toBe(doc.requests.completed + doc.requests.dropped);
    expect(doc.models.lenet.arrived).toBe(doc.requests.arrived);
    expect(doc.executor.restarts).toBe(0);
  }, 180_000); // real processes: a loaded machine takes its time

  it('serve uses the same seeded arrivals as simulate (same seed, same arrival count)', async () => {
    const argv = [
      '--profiles',
      `${stem}.csv`,
      '-w',
      `${stem}.workload.json`,
      '-s',
      'gpulet',
      '--rate',
      '3000',
      '--duration',
      '1',
      '--seed',
      '7',
      '--format',
      'json',
    ];
    const real = JSON.parse((await cli('serve', ...argv)).out);
    const sim = JSON.parse((await cli('simulate', ...argv)).out);
    expect(real.requests.arrived).toBe(sim.requests.arrived);
  });
});

describe('serve --autoscale: re-planning on the wall clock', () => {
  // A made-up profile for LeNet on this machine's two core shares: slow enough on paper that 20
  // req/s fits on half the machine and 400 req/s needs all of it; real LeNet (~0.5 ms a batch)
  // keeps every promise, so what is tested is the re-planning, not the machine's speed.
  const csv = [
    'model,gpu,partition,batch,latency_ms,source',
    ...[
      [50, 1, 4],
      [50, 4, 12],
      [50, 32, 80],
      [100, 1, 2.5],
      [100, 4, 7],
      [100, 32, 45],
    ].map(([p, b, ms]) => `lenet,cpu-2c,${p},${b},${ms},synthetic`),
  ].join('\n');
  const synth = join(dir, 'synth');
  writeFileSync(`${synth}.csv`, `${csv}\n`);
  writeFileSync(
    `${synth}.workload.json`,
    JSON.stringify({ name: 'synth', gpus: 1, gpu: 'cpu-2c', models: [{ model: 'lenet', rate: 20, slo_ms: 100 }] }),
  );
  // 2 s steps: quiet for 6 s, then a burst for 16 s (the first plan is sized for the first 20 s,
  // the burst's start included); the long burst leaves a loaded machine time to start a runner.
  writeFileSync(`${synth}.trace.txt`, `20\n20\n20\n${'400\n'.repeat(8)}`);

  it('scales down, then up, loading new gpulets for real while serving; every request accounted for', async () => {
    const r = await cli(
      'serve',
      '--profiles',
      `${synth}.csv`,
      '-w',
      `${synth}.workload.json`,
      '-s',
      'gpulet',
      '--trace',
      `${synth}.trace.txt`,
      '--trace-step-s',
      '2',
      '--autoscale',
      '--epoch-s',
      '1',
      '--format',
      'json',
    );
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.requests.arrived).toBeGreaterThan(0);
    expect(doc.requests.arrived).toBe(doc.requests.completed + doc.requests.dropped);
    expect(doc.models.lenet.arrived).toBe(doc.requests.arrived);
    // The arrivals are the trace's, as in simulate: about 2 x 3 x 20 + 2 x 3 x 400.
    expect(doc.requests.arrived).toBeGreaterThan(2000);
    const sizes: number[] = doc.windows.map((w: { partition_sum_pct: number }) => w.partition_sum_pct);
    const down = sizes.findIndex((p, i) => i > 0 && p < sizes[i - 1]);
    expect(down, `gpulet sizes per window: ${sizes.join(', ')}`).toBeGreaterThan(0);
    expect(
      sizes.slice(down + 1).some((p) => p > sizes[down]),
      `gpulet sizes per window: ${sizes.join(', ')}`,
    ).toBe(true);
    // Every new gpulet was started and loaded by a runner, and the load took measurable time.
    const loads = doc.autoscale.loads as Array<{ load_ms: number; error: string | null }>;
    expect(loads.length).toBeGreaterThanOrEqual(1); // the scale-up's gpulet (a re-plan while it loads stages it again)
    for (const l of loads) {
      expect(l.error).toBeNull();
      expect(l.load_ms).toBeGreaterThan(0);
    }
    expect(doc.executor.restarts).toBe(0);
  }, 180_000);
});

describe('refusals: one line, exit 2', () => {
  it('serve --backend onnx without --profiles', async () => {
    const r = await cli('serve', '-w', 'scen1');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^gpulet: --backend onnx: expected --profiles STEM\.csv measured on this machine/);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  });

  it('serve --backend mps names what the machine lacks (no GPU, CUDA provider or MPS daemon here)', async () => {
    const missing = mpsPreflight();
    const r = await cli('serve', '--backend', 'mps', '-w', 'scen1');
    if (missing === null) {
      // A GPU machine with everything in place gets past the check (and fails later for want of nothing here).
      expect(r.err).not.toMatch(/--backend mps: no /);
      return;
    }
    expect(r.code).toBe(2);
    expect(r.err).toBe(`gpulet: --backend mps: ${missing}\n`);
    expect(missing).toMatch(/CUDA execution provider/);
  });

  it('parseModelList rejects unknown names and bad widths', () => {
    expect(parseModelList('resnet50@0.25,lenet')).toEqual({ resnet50: { width: 0.25 }, lenet: { width: 1 } });
    expect(() => parseModelList('alexnet')).toThrow(InputError);
    expect(() => parseModelList('lenet@0')).toThrow(/expected a positive width/);
    expect(() => parseModelList('lenet,lenet')).toThrow(/listed twice/);
  });

  it('models list counts the nine models without building them', async () => {
    const r = await cli('models', 'list', '--format', 'json');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out).models as Array<{ model: string; params: number }>;
    expect(rows.map((m) => m.model)).toEqual([
      'lenet',
      'googlenet',
      'resnet50',
      'ssd-mobilenetv1',
      'vgg16',
      'mnasnet1_0',
      'mobilenet_v2',
      'densenet161',
      'bert',
    ]);
    expect(rows.find((m) => m.model === 'resnet50')?.params).toBe(25_557_032);
  });

  it('models build writes a file and reports its bytes', async () => {
    const r = await cli('models', 'build', '--models', 'lenet', '--format', 'json');
    expect(r.code).toBe(0);
    const [row] = JSON.parse(r.out).models;
    expect(row).toMatchObject({ model: 'lenet', params: 61_706 });
    expect(row.bytes).toBeGreaterThan(200_000);
    expect(row.file).toMatch(/lenet\.onnx$/);
  });
});
