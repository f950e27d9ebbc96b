import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  calibratedParams,
  formatTruthParams,
  KNOB_NAMES,
  KNOBS,
  parseTruthParams,
  truthParamsPath,
} from '../../sim/interference-truth-params.ts';

const text = formatTruthParams(calibratedParams(), ['produced by: test', 'second line']);

describe('the truth data file (profiles/data/rtx2080ti-interference-truth.csv)', () => {
  it('names every knob once, inside its range, with the command that produced it in its first line', () => {
    const file = readFileSync(truthParamsPath(), 'utf8');
    expect(file).toMatch(/^# produced by: gpulet interference calibrate --seed \d+ --budget \d+ --starts \d+\n/);
    const k = calibratedParams();
    expect(Object.keys(k).sort()).toEqual([...KNOB_NAMES].sort());
    for (const name of KNOB_NAMES) {
      expect(k[name]).toBeGreaterThanOrEqual(KNOBS[name].low);
      expect(k[name]).toBeLessThanOrEqual(KNOBS[name].high);
    }
  });

  it('formatTruthParams(parseTruthParams(x)) round-trips, comments included', () => {
    expect(text.split('\n').slice(0, 3)).toEqual([
      '# produced by: test',
      '# second line',
      'knob,value,searched,low,high',
    ]);
    expect(parseTruthParams(text, 't.csv')).toEqual(calibratedParams());
    expect(formatTruthParams(parseTruthParams(text, 't.csv'), ['produced by: test', 'second line'])).toBe(text);
  });

  it('refuses a bad file in one line naming the file, row (counting the comment lines) and field', () => {
    const lines = text.split('\n');
    const edit = (i: number, line: string) => lines.map((l, j) => (j === i ? line : l)).join('\n');
    // lines[3] is the first knob row: row 4 of the file.
    const cases: Array<[string, RegExp]> = [
      [
        edit(3, 'partitionExponent,0.9,no,0.6,0.6'),
        /^t\.csv: row 4, field value: expected a number in \[0\.6, 0\.6\], got "0\.9"$/,
      ],
      [
        edit(3, 'gamma,0.6,no,0.6,0.6'),
        /^t\.csv: row 4, field knob: expected one of partitionExponent, .*, got "gamma"$/,
      ],
      [edit(3, lines[4]), /^t\.csv: row 5, field knob: expected each knob once, got "cacheCoupling"$/],
      [
        lines.filter((_, j) => j !== 3).join('\n'),
        /^t\.csv: field knob: expected a row for every knob, got none for "partitionExponent"$/,
      ],
      [
        '# only a comment\n',
        /^t\.csv: row 1, field header: expected a header with columns knob,value,searched,low,high, got an empty file$/,
      ],
    ];
    for (const [bad, message] of cases) expect(() => parseTruthParams(bad, 't.csv')).toThrow(message);
  });
});
