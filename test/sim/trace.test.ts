import { describe, expect, it } from 'vitest';
import { resolveModel } from '../../sim/profiles/catalog.ts';
import { streamRng } from '../../sim/rng.ts';
import {
  PiecewiseRateStream,
  type ReplayStream,
  loadDurationMs,
  loadRates,
  loadStreams,
  loadTrace,
  parseTrace,
  traceLoad,
} from '../../sim/trace.ts';
import { RenewalStream, parseWorkload, type Workload } from '../../sim/workload.ts';

const data = (name: string) => new URL(`../data/${name}`, import.meta.url).pathname;
/** resnet50 at 300 req/s and vgg16 at 100: shares 3/4 and 1/4. */
const workload = (arrival = '{"process": "poisson"}'): Workload =>
  parseWorkload(
    `{"models": [{"model": "res", "rate": 300}, {"model": "vgg", "rate": 100}], "arrival": ${arrival}}`,
    'w.json',
    resolveModel,
  );

const arr = (a: Float64Array | undefined) => Array.from(a ?? []);

describe('rate-steps traces (the artifact flux format)', () => {
  it('loadTrace(file) reads one total rate per line, skipping comments and blank lines', () => {
    const t = loadTrace(data('trace-steps.txt'), resolveModel);
    expect(t.kind).toBe('total');
    if (t.kind !== 'total') return;
    expect(arr(t.totalRps)).toEqual([100, 200, 0, 50]);
    expect(t.stepMs).toBe(20_000);
  });

  it('traceLoad(workload, trace) scales the workload rate vector exactly to each step total', () => {
    const load = traceLoad(workload(), loadTrace(data('trace-steps.txt'), resolveModel));
    expect(load.kind).toBe('rates');
    if (load.kind !== 'rates') return;
    expect(arr(load.rpsByTask.get('resnet50'))).toEqual([75, 150, 0, 37.5]);
    expect(arr(load.rpsByTask.get('vgg16'))).toEqual([25, 50, 0, 12.5]);
    expect(loadDurationMs(load)).toBe(80_000);
    expect(loadRates(load).peakRps.get('resnet50')).toBe(150);
  });

  it('--trace-scale multiplies every step and --trace-step-s sets the step length', () => {
    const t = loadTrace(data('trace-steps.txt'), resolveModel, { scale: 2.5, stepMs: 10_000 });
    if (t.kind !== 'total') throw new Error('expected rate steps');
    expect(arr(t.totalRps)).toEqual([250, 500, 0, 125]);
    expect(t.stepMs).toBe(10_000);
  });

  it('names the line of a bad rate', () => {
    expect(() => parseTrace('10\nfast\n', 'f.txt', resolveModel)).toThrow(
      'f.txt: line 2: expected a non-negative rate in req/s, got "fast"',
    );
    expect(() => parseTrace('10\n-3\n', 'f.txt', resolveModel)).toThrow(
      'f.txt: line 2: expected a non-negative rate in req/s, got "-3"',
    );
  });
});

describe('timestamp replay (CSV time_s,model)', () => {
  it('reads times per model (aliases resolved, other columns ignored, rows in any order) and replays them exactly', () => {
    const t = loadTrace(data('trace-replay.csv'), resolveModel);
    expect(t.kind).toBe('timestamps');
    const load = traceLoad(workload(), t);
    if (load.kind !== 'times') throw new Error('expected times');
    expect(arr(load.atMsByTask.get('resnet50'))).toEqual([250, 500, 1750]);
    expect(arr(load.atMsByTask.get('vgg16'))).toEqual([100]);
    const streams = loadStreams(workload(), load, 1);
    const res = streams.find((s) => s.task === 'resnet50') as ReplayStream;
    expect([res.nextArrivalMs(), res.nextArrivalMs(), res.nextArrivalMs(), res.nextArrivalMs()]).toEqual([
      250,
      500,
      1750,
      Infinity,
    ]);
    expect(loadDurationMs(load)).toBe(2000);
  });

  it('a scale of 2 replays twice as fast', () => {
    const load = traceLoad(workload(), loadTrace(data('trace-replay.csv'), resolveModel, { scale: 2 }));
    if (load.kind !== 'times') throw new Error('expected times');
    expect(arr(load.atMsByTask.get('resnet50'))).toEqual([125, 250, 875]);
  });

  it('names the row and field of a bad time or model, and refuses models the workload does not serve', () => {
    expect(() => parseTrace('time_s,model\n1,res\nsoon,res\n', 'r.csv', resolveModel)).toThrow(
      'r.csv: row 3, field time_s: expected a non-negative number of seconds, got "soon"',
    );
    expect(() => parseTrace('time_s,model\n1,alexnet\n', 'r.csv', resolveModel)).toThrow(
      /r\.csv: row 2, field model: expected a model name, .*got "alexnet"/,
    );
    const t = parseTrace('time_s,model\n1,mob\n', 'r.csv', resolveModel);
    expect(() => traceLoad(workload(), t)).toThrow(
      'r.csv: requests for mobilenet_v2, which workload w.json does not serve (it has resnet50, vgg16)',
    );
  });
});

describe('Azure Functions 2019 per-minute counts', () => {
  // test/data/azure-2019-small.csv is synthetic, in the dataset's format: f-top 180 invocations,
  // f-tie-a and f-tie-b 90 each, f-low 12, over 3 minutes.
  it('top: the busiest functions drive the tasks in workload order, ties by function hash', () => {
    const t = loadTrace(data('azure-2019-small.csv'), resolveModel);
    if (t.kind !== 'ranked') throw new Error('expected ranked rates');
    expect(t.stepMs).toBe(60_000);
    expect(t.rpsByRank.map(arr)).toEqual([
      [1, 2, 0], // f-top: 60, 120, 0 per minute
      [0, 1.5, 0], // f-tie-a
      [0.5, 0.5, 0.5], // f-tie-b
      [0.1, 0, 0.1], // f-low
    ]);
    const load = traceLoad(workload(), t);
    if (load.kind !== 'rates') throw new Error('expected rates');
    expect(arr(load.rpsByTask.get('resnet50'))).toEqual([1, 2, 0]);
    expect(arr(load.rpsByTask.get('vgg16'))).toEqual([0, 1.5, 0]);
  });

  it('sum: the total over all functions scales the workload rate vector, with --trace-scale', () => {
    const t = loadTrace(data('azure-2019-small.csv'), resolveModel, { azure: 'sum', scale: 100 });
    if (t.kind !== 'total') throw new Error('expected a total');
    expect(arr(t.totalRps)).toEqual([160, 400, 60]); // (96, 240, 36) / 60 x 100
    const load = traceLoad(workload(), t);
    if (load.kind !== 'rates') throw new Error('expected rates');
    expect(arr(load.rpsByTask.get('resnet50'))).toEqual([120, 300, 45]);
  });

  it('names the row and minute of a bad count, and a short file', () => {
    const head = 'HashOwner,HashApp,HashFunction,Trigger,1,2\n';
    expect(() => parseTrace(`${head}o,a,f,http,3,x\n`, 'az.csv', resolveModel)).toThrow(
      'az.csv: row 2, minute 2: expected a whole count of invocations, got "x"',
    );
    expect(() => parseTrace(`${head}o,a,f,http,3\n`, 'az.csv', resolveModel)).toThrow(
      'az.csv: row 2: expected 2 minute counts, got 1',
    );
    expect(() => parseTrace(`${head}o,a,f,http,3,4\n`, 'az.csv', resolveModel, { azure: 'top' })).not.toThrow();
    expect(() => traceLoad(workload(), parseTrace(`${head}o,a,f,http,3,4\n`, 'az.csv', resolveModel))).toThrow(
      'az.csv: expected at least 2 functions for the 2 tasks of w.json, got 1',
    );
  });
});

describe('PiecewiseRateStream', () => {
  it('draws about rate x step arrivals in each step, none in a zero step, none after the last', () => {
    const s = new PiecewiseRateStream('A', 10_000, Float64Array.from([100, 0, 400]), streamRng(7, 'a'));
    const perStep = [0, 0, 0];
    let t = s.nextArrivalMs();
    let last = 0;
    while (t !== Infinity) {
      expect(t).toBeGreaterThanOrEqual(last);
      perStep[Math.floor(t / 10_000)]++;
      last = t;
      t = s.nextArrivalMs();
    }
    expect(perStep[1]).toBe(0);
    // Poisson counts: 1,000 +- 3 sd (95) and 4,000 +- 3 sd (190).
    expect(Math.abs(perStep[0] - 1000)).toBeLessThan(95);
    expect(Math.abs(perStep[2] - 4000)).toBeLessThan(190);
  });

  it('at a constant rate gives the same arrivals as RenewalStream (gamma, CV 2), to rounding', () => {
    const arrival = { process: 'gamma', cv: 2 } as const;
    const a = new PiecewiseRateStream('A', 20_000, Float64Array.from([250, 250]), streamRng(3, 'x'), arrival);
    const b = new RenewalStream('A', 250, streamRng(3, 'x'), arrival);
    for (let i = 0; i < 1000; i++) expect(a.nextArrivalMs()).toBeCloseTo(b.nextArrivalMs(), 6);
  });
});
