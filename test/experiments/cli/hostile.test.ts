/**
 * Hostile but realistic input to the CLI (docs/design.md#work-limits-and-hostile-input): names that are object properties,
 * output paths that cannot be written, options that do not apply, and what yargs lets through.
 * Every case: exit 2, one line on stderr starting `gpulet: `, no stack, nothing on stdout, and
 * where the command writes a file, no file (partial or temp) left behind.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../../helpers.ts';
import { writeFileAtomic } from '../../../experiments/lib/output.ts';

const dir = mkdtempSync(join(tmpdir(), 'gpulet-hostile-'));
const file = (name: string, text: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const BOM = '\uFEFF';
const RESNET = '{"models": [{"model": "resnet50", "rate": 100}]';
const embeddedCsv = () =>
  readFileSync(new URL('../../../sim/profiles/data/rtx2080ti-latency.csv', import.meta.url), 'utf8');

/** A folder that is really a file, and one that does not exist. */
const aFile = () => file('a-file', 'not a folder');
const noFolder = () => join(dir, 'no-such-folder');

interface Case {
  /** What the user did. */
  name: string;
  argv: () => string[];
  /** The one line on stderr, after `gpulet: `. */
  message: RegExp;
  /** A path the command must not have written (nor a temp file beside it). */
  noFile?: () => string;
}

const NAMES: Case[] = [
  {
    name: '--predictor constructor',
    argv: () => ['schedule', '-w', 'scen3', '--predictor', 'constructor'],
    message: /^--predictor: expected one of fitted, paper, got "constructor"$/,
  },
  {
    name: '--interference toString',
    argv: () => ['simulate', '-w', 'scen3', '-d', '1', '--interference', 'toString'],
    message: /^--interference: expected one of truth, none, got "toString"$/,
  },
  {
    name: 'experiment __proto__',
    argv: () => ['experiment', '__proto__'],
    message: /^experiment: expected one of fig5, .*got "__proto__"$/,
  },
  {
    name: '--scheduler hasOwnProperty',
    argv: () => ['schedule', '-w', 'scen3', '--scheduler', 'hasOwnProperty'],
    message: /^--scheduler: expected one of temporal, .*got "hasOwnProperty"$/,
  },
  {
    name: 'autoscale --scheduler constructor',
    argv: () => ['simulate', '-w', 'scen3', '--autoscale', '-s', 'constructor', '-d', '1'],
    message: /^--scheduler: expected one of .*got "constructor"$/,
  },
  {
    name: 'autoscale --scheduler ideal (a scheduler, but not one that re-plans every epoch)',
    argv: () => ['simulate', '-w', 'scen3', '--autoscale', '-s', 'ideal', '-d', '1'],
    message: /^--scheduler: with --autoscale expected one of .*got "ideal"$/,
  },
  {
    name: 'figures --only constructor',
    argv: () => ['figures', '--only', 'constructor'],
    message: /^--only: expected names from fig5, .*got "constructor"$/,
  },
  {
    name: 'bench constructor',
    argv: () => ['bench', 'constructor'],
    message: /^bench: expected a name or part of one of engine, .*got "constructor"$/,
  },
  {
    name: '--fixes constructor',
    argv: () => ['schedule', '-w', 'scen3', '--fixes', 'constructor'],
    message: /^--fixes: unknown fix "constructor"/,
  },
  {
    name: '-w __proto__',
    argv: () => ['schedule', '-w', '__proto__'],
    message: /^__proto__: no such built-in workload .* and no such file$/,
  },
  {
    name: 'a workload model named __proto__',
    argv: () => ['schedule', '-w', file('proto-model.json', '{"models": [{"model": "__proto__", "rate": 5}]}')],
    message: /proto-model\.json: models\[0\], field model: expected a model name, .*got "__proto__"$/,
  },
  {
    name: 'a workload with a __proto__ field',
    argv: () => ['schedule', '-w', file('proto-field.json', `{"__proto__": {"gpus": 1}, ${RESNET.slice(1)}}`)],
    message: /proto-field\.json: field __proto__: unknown field/,
  },
  {
    name: 'a workload gpu named constructor',
    argv: () => ['schedule', '-w', file('gpu-ctor.json', `${RESNET}, "gpu": "constructor"}`)],
    message: /^unknown GPU type "constructor": expected one of rtx2080ti/,
  },
  {
    name: 'models list --models valueOf',
    argv: () => ['models', 'list', '--models', 'valueOf'],
    message: /^--models: expected names from lenet, .*got "valueOf"$/,
  },
];

const OUTPUTS: Case[] = [
  {
    name: '--timeline that is a folder',
    argv: () => ['simulate', '-w', 'scen3', '-d', '1', '--timeline', dir],
    message: /^--timeline: expected a file path, got ".*", which is a folder$/,
  },
  {
    name: '--timeline in a missing folder',
    argv: () => ['simulate', '-w', 'scen3', '-d', '1', '--timeline', join(noFolder(), 't.json')],
    message: /^--timeline: expected a path in an existing folder, got ".*t\.json" \(no folder ".*no-such-folder"\)$/,
    noFile: noFolder,
  },
  {
    name: '--timeline under a file',
    argv: () => ['simulate', '-w', 'scen3', '-d', '1', '--timeline', join(aFile(), 't.json')],
    message: /^--timeline: expected a path in a folder, got ".*" \(".*a-file" is not a folder\)$/,
  },
  {
    name: '--timeline on a device',
    argv: () => ['simulate', '-w', 'scen3', '-d', '1', '--timeline', '/dev/null'],
    message: /^--timeline: expected a file path, got "\/dev\/null", which is not a regular file$/,
  },
  {
    name: '--timeline empty',
    argv: () => ['simulate', '-w', 'scen3', '-d', '1', '--timeline', ''],
    message: /^--timeline: expected a file path, got nothing$/,
  },
  {
    name: 'interference profile --out a folder',
    argv: () => ['interference', 'profile', '--out', dir],
    message: /^--out: expected a file path, got ".*", which is a folder$/,
  },
  {
    name: 'interference fit --out in a missing folder',
    argv: () => ['interference', 'fit', '--out', join(noFolder(), 'c.csv')],
    message: /^--out: expected a path in an existing folder/,
    noFile: noFolder,
  },
  {
    name: 'experiment --out a file',
    argv: () => ['experiment', 'fig6', '--quick', '--out', aFile()],
    message: /^--out: expected a folder, got ".*a-file" \(it is not a folder\)$/,
  },
  {
    name: 'experiment --out below a file',
    argv: () => ['experiment', 'fig6', '--quick', '--out', join(aFile(), 'deeper', 'still')],
    message: /^--out: expected a folder, got ".*still" \(".*a-file" is not a folder\)$/,
  },
  {
    name: 'figures --out a file',
    argv: () => ['figures', '--quick', '--only', 'fig6', '--out', aFile()],
    message: /^--out: expected a folder, got ".*a-file" \(it is not a folder\)$/,
  },
  {
    name: 'profile --out in a missing folder',
    argv: () => ['profile', '--out', join(noFolder(), 'cpu')],
    message: /^--out: expected a path in an existing folder, got ".*cpu\.csv"/,
    noFile: noFolder,
  },
];

// /proc takes no new files, even from root.
if (process.platform === 'linux')
  OUTPUTS.push({
    name: '--timeline in a folder that takes no files',
    argv: () => ['simulate', '-w', 'scen3', '-d', '1', '--timeline', '/proc/gpulet-timeline.json'],
    message:
      /^--timeline: expected a writable folder, got "\/proc\/gpulet-timeline\.json" \(cannot write in "\/proc": E[A-Z]+\)$/,
  });

// root writes anywhere, so an unwritable folder can only be shown to another user.
if (process.getuid?.() !== 0) {
  const readOnly = join(dir, 'read-only');
  mkdirSync(readOnly);
  chmodSync(readOnly, 0o555);
  OUTPUTS.push(
    {
      name: '--timeline in an unwritable folder',
      argv: () => ['simulate', '-w', 'scen3', '-d', '1', '--timeline', join(readOnly, 't.json')],
      message: /^--timeline: expected a writable folder, got ".*" \(cannot write in ".*read-only": EACCES\)$/,
      noFile: () => join(readOnly, 't.json'),
    },
    {
      name: 'experiment --out in an unwritable folder',
      argv: () => ['experiment', 'fig6', '--quick', '--out', join(readOnly, 'out')],
      message: /^--out: expected a writable folder/,
      noFile: () => join(readOnly, 'out'),
    },
  );
}

const NOT_APPLYING: Case[] = [
  {
    name: '--max-gpus without --autoscale',
    argv: () => ['simulate', '-w', 'scen3', '-d', '1', '--max-gpus', '8'],
    message: /^--max-gpus: applies only with --autoscale; add --autoscale or leave --max-gpus out$/,
  },
  {
    name: '--reorg-s without --autoscale',
    argv: () => ['simulate', '-w', 'scen3', '-d', '1', '--reorg-s', '5'],
    message: /^--reorg-s: applies only with --autoscale/,
  },
  {
    name: '--no-p99 without --autoscale',
    argv: () => ['simulate', '-w', 'scen3', '-d', '1', '--no-p99'],
    message: /^--no-p99: applies only with --autoscale/,
  },
  {
    name: '--epoch-s with neither --autoscale nor --trace',
    argv: () => ['simulate', '-w', 'scen3', '-d', '1', '--epoch-s', '5'],
    message: /^--epoch-s: applies only with --autoscale or --trace/,
  },
  {
    name: 'serve --max-gpus without --autoscale',
    argv: () => ['serve', '-w', 'scen3', '--max-gpus', '2'],
    message: /^--max-gpus: applies only with --autoscale/,
  },
  {
    name: '-r with --trace',
    argv: () => ['simulate', '-w', 'scen3', '-r', '100', '--trace', file('steps.txt', '100\n200\n')],
    message: /^--rate: not with --trace \(the trace gives the rates/,
  },
  {
    name: '--trace-scale without --trace',
    argv: () => ['simulate', '-w', 'scen3', '-d', '1', '--trace-scale', '2'],
    message: /^--trace-scale: applies only with --trace/,
  },
  {
    name: '--trace-step-s without --trace',
    argv: () => ['simulate', '-w', 'scen3', '-d', '1', '--trace-step-s', '10'],
    message: /^--trace-step-s: applies only with --trace/,
  },
  {
    name: '--azure-map without --trace',
    argv: () => ['simulate', '-w', 'scen3', '-d', '1', '--azure-map', 'sum'],
    message: /^--azure-map: applies only with --trace/,
  },
  {
    name: 'maxrate --criterion plan with -d',
    argv: () => ['maxrate', '-w', 'scen3', '--criterion', 'plan', '-d', '5'],
    message: /^--duration: applies only with --criterion slo/,
  },
  {
    name: '--seed abc',
    argv: () => ['simulate', '-w', 'scen3', '-d', '1', '--seed', 'abc'],
    message: /^--seed: expected a number, got "abc"$/,
  },
  {
    name: '--seed 1.5',
    argv: () => ['simulate', '-w', 'scen3', '-d', '1', '--seed', '1.5'],
    message: /^--seed: expected a whole number up to 9007199254740991, got 1\.5$/,
  },
  {
    name: 'experiment --seed 1e300',
    argv: () => ['experiment', 'fig6', '--quick', '--seed', '1e300', '--out', dir],
    message: /^--seed: expected a whole number/,
  },
  {
    name: '-d with no value',
    argv: () => ['simulate', '-w', 'scen3', '-d'],
    message: /^--duration: expected a number, got nothing$/,
  },
  {
    name: 'maxrate -d with no value (not its default)',
    argv: () => ['maxrate', '-w', 'scen3', '-d'],
    message: /^--duration: expected a number, got nothing$/,
  },
  {
    name: '--rate= (empty, which yargs reads as 0)',
    argv: () => ['schedule', '-w', 'scen3', '--rate='],
    message: /^--rate: expected a number, got ""$/,
  },
  {
    name: '-r given twice',
    argv: () => ['schedule', '-w', 'scen3', '-r', '100', '--rate', '200'],
    message: /^--rate: expected one value, got 2 \(--rate given twice\)$/,
  },
  {
    name: 'bench bogus',
    argv: () => ['bench', 'bogus'],
    message: /^bench: expected a name or part of one of engine, memory, scheduling/,
  },
  {
    name: 'maxrate --step 1e308',
    argv: () => ['maxrate', '-w', 'scen3', '--step', '1e308'],
    message: /^--step: expected a rate step from 1 to 10000 req\/s \(the search stops at 20000 req\/s\), got 1e\+308$/,
  },
  {
    name: 'maxrate --step 0.001',
    argv: () => ['maxrate', '-w', 'scen3', '--criterion', 'plan', '--step', '0.001'],
    message: /^--step: expected a rate step from 1 to 10000/,
  },
  {
    name: 'maxrate --rate',
    argv: () => ['maxrate', '-w', 'scen3', '-r', '100'],
    message: /^--rate: maxrate searches the rate itself; leave --rate out$/,
  },
  {
    name: 'interference fit on factors that overflow the fit',
    argv: () => [
      'interference',
      'fit',
      '--data',
      file(
        'huge.csv',
        `l2_self,l2_other,dram_self,dram_other,factor\n${Array.from(
          { length: 40 },
          (_, i) => `${(i % 7) / 7},${(i % 5) / 5},${(i % 3) / 3},${(i % 11) / 11},${i % 2 ? '1e300' : '1e308'}`,
        ).join('\n')}\n`,
      ),
      '--out',
      join(dir, 'huge-constants.csv'),
    ],
    message:
      /huge\.csv: field factor: expected slowdown factors a least-squares fit can use \(finite constants\), got factors up to 1e\+308/,
    noFile: () => join(dir, 'huge-constants.csv'),
  },
  {
    name: 'an unknown key inside arrival',
    argv: () => ['schedule', '-w', file('arrival-key.json', `${RESNET}, "arrival": {"process": "poisson", "cv": 3}}`)],
    message: /arrival-key\.json: field arrival\.cv: unknown field \(expected process for "poisson"\)$/,
  },
  {
    name: 'a misspelt key inside a gamma arrival',
    argv: () => [
      'schedule',
      '-w',
      file('arrival-typo.json', `${RESNET}, "arrival": {"process": "gamma", "cv": 2, "burst": 1}}`),
    ],
    message: /field arrival\.burst: unknown field \(expected process, cv for "gamma"\)$/,
  },
];

const UNCLEAR: Case[] = [
  {
    name: '--format xml',
    argv: () => ['schedule', '-w', 'scen3', '--format', 'xml'],
    message: /^--format: expected one of table, json, got "xml"$/,
  },
  {
    name: 'serve --hang-timeout in ms, the old flag: refused with the value in seconds to give instead',
    argv: () => ['serve', '-w', 'scen3', '--hang-timeout', '2500'],
    message:
      /^--hang-timeout: renamed --hang-timeout-s, in seconds like every other time flag \(2500 ms is --hang-timeout-s 2\.5\)$/,
  },
  {
    name: 'serve --hang-timeout-s 0',
    argv: () => ['serve', '-w', 'scen3', '--hang-timeout-s', '0'],
    message: /^--hang-timeout-s: expected a positive number, got 0$/,
  },
  {
    name: '--criterion bogus',
    argv: () => ['maxrate', '-w', 'scen3', '--criterion', 'bogus'],
    message: /^--criterion: expected one of slo, plan, got "bogus"$/,
  },
  {
    name: 'a positional outside its choices',
    argv: () => ['models', 'bogus'],
    message: /^action: expected one of build, list, got "bogus"$/,
  },
  {
    name: 'a missing required flag',
    argv: () => ['schedule'],
    message: /^--workload: expected a value \(required\), got nothing$/,
  },
  {
    name: 'a flag with no value',
    argv: () => ['schedule', '-w'],
    message: /^--workload: expected a value, got nothing$/,
  },
  { name: 'an unknown flag', argv: () => ['schedule', '-w', 'scen3', '--bogus'], message: /^Unknown argument: bogus/ },
  {
    name: 'a study with no name',
    argv: () => ['experiment'],
    message: /^expected 1 argument\(s\) after the command \(see its --help\), got 0$/,
  },
  {
    name: '--shard -1/2',
    argv: () => ['experiment', 'fig15', '--shard', '-1/2'],
    message: /^--shard: expected i\/n with 1 <= i <= n, got "-1\/2"$/,
  },
  {
    name: '-r abc',
    argv: () => ['schedule', '-w', 'scen3', '-r', 'abc'],
    message: /^--rate: expected a number, got "abc"$/,
  },
  {
    name: '--rate 0x10 (hex)',
    argv: () => ['schedule', '-w', 'scen3', '--rate', '0x10'],
    message: /^--rate: expected a number, got "0x10"$/,
  },
  {
    name: 'binary JSON, escaped',
    argv: () => ['schedule', '-w', file('binary.json', Buffer.from([0, 1, 0x1b, 0x5b, 0x32, 0x4a, 0xff, 0x7b]))],
    message: /binary\.json: not valid JSON \(.*\\u0000.*\)$/,
  },
  {
    name: 'control characters in a workload path, escaped',
    argv: () => ['schedule', '-w', '\u0007\u001b[2J.json'],
    message: /^\\u0007\\u001b\[2J\.json: /,
  },
  {
    name: 'control characters in a workload name',
    argv: () => ['schedule', '-w', file('bell.json', `${RESNET}, "name": "a\\u0007\\u001b[2Jb"}`)],
    message: /bell\.json: field name: expected a printable name, got "a\\u0007\\u001b\[2Jb"$/,
  },
  {
    name: 'a profile lacking partitions one model needs',
    argv: () => [
      'schedule',
      '-w',
      'scen3',
      '--profiles',
      file(
        'no-small.csv',
        embeddedCsv()
          .split('\n')
          .filter((l) => !/^resnet50,rtx2080ti,(20|40),/.test(l))
          .join('\n'),
      ),
    ],
    message:
      /no-small\.csv: model resnet50, field partition: expected rows at every profiled partition \(20, 40, 50, 60, 80, 100 %\), got none at 20, 40 %$/,
  },
  {
    name: 'a BOM before a sidecar with a bad model entry',
    argv: () => {
      const csv = file('set.csv', embeddedCsv());
      file('set.json', `${BOM}{"models": {"resnet50": {"width": "wide"}}}`);
      return ['serve', '-w', 'scen3', '--profiles', csv];
    },
    message: /set\.json: models\.resnet50, field width: expected a positive number, got "wide"$/,
  },
];

describe.each([
  ['names that are object properties', NAMES],
  ['output paths', OUTPUTS],
  ['options that do not apply', NOT_APPLYING],
  ['unclear errors', UNCLEAR],
] as const)('hostile input: %s', (_group, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = await cli(...c.argv());
    expect(r.out).toBe('');
    expect(r.err).not.toMatch(/^ {4}at /m);
    const lines = r.err.split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^gpulet: /);
    expect(lines[0].slice('gpulet: '.length)).toMatch(c.message);
    // Nothing unprintable reaches the terminal.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    expect(lines[0]).not.toMatch(/[\u0000-\u001f\u007f-\u009f\ufeff]/);
    expect(r.code).toBe(2);
    if (c.noFile) expect(existsSync(c.noFile())).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('hostile input that is fine', () => {
  it('a BOM before a workload file, a trace and a profile is stripped', async () => {
    const w = file('bom.json', `${BOM}${RESNET}}`);
    const trace = file('bom-steps.txt', `${BOM}100\n200\n`);
    const azure = file('bom-azure.csv', `${BOM}HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f,http,600,1200\n`);
    const profiles = file('bom-profile.csv', `${BOM}${embeddedCsv()}`);
    for (const argv of [
      ['schedule', '-w', w, '--profiles', profiles],
      ['simulate', '-w', w, '--trace', trace, '-d', '1'],
      ['simulate', '-w', w, '--trace', azure, '-d', '1'],
    ]) {
      const r = await cli(...argv);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
    }
  });

  it('maxrate --help does not list the --rate it refuses', async () => {
    const r = await cli('maxrate', '--help');
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/--rate/);
    expect(r.out).toMatch(/--step/);
  });

  it('settings given with what they work with are accepted (defaults are not "given")', async () => {
    const trace = file('ok-steps.txt', '100\n200\n');
    const r = await cli(
      'simulate',
      '-w',
      'scen3',
      '--trace',
      trace,
      '--trace-scale',
      '2',
      '--trace-step-s',
      '1',
      '--epoch-s',
      '1',
      '--format',
      'json',
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.duration_s).toBe(2);
    expect(doc.windows).toHaveLength(2);
  });

  it('a timeline is written whole, and nothing else is left beside it', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gpulet-timeline-'));
    const path = join(out, 't.json');
    const r = await cli('simulate', '-w', 'scen3', '-d', '1', '--timeline', path);
    expect(r.code).toBe(0);
    expect(readdirSync(out)).toEqual(['t.json']);
    expect(() => JSON.parse(readFileSync(path, 'utf8'))).not.toThrow();
  });

  it('a write that fails leaves neither the file nor its temp file', () => {
    const out = mkdtempSync(join(tmpdir(), 'gpulet-atomic-'));
    mkdirSync(join(out, 'taken'));
    mkdirSync(join(out, 'taken', 'inside'));
    // Renaming a file over a non-empty folder fails after the temp file was written.
    expect(() => writeFileAtomic(join(out, 'taken'), 'data')).toThrow();
    expect(readdirSync(out)).toEqual(['taken']);
  });
});
