/**
 * One look for every figure: the bundled font, sizes, a fixed colour per scheduler (Okabe-Ito,
 * safe for colour-blind readers) and the paper's values as black diamonds. Figure files build
 * vega-lite specs with these helpers instead of styling themselves.
 */

/** A vega-lite spec as plain JSON (checked by the vega-lite compiler at render time). */
export type VlSpec = Record<string, unknown>;

/** The family name of assets/fonts/DejaVuSans.ttf; the only font the renderer loads. */
export const FONT_FAMILY = 'DejaVu Sans';

/** Schedulers in the paper's legend order, with their colours. */
export const SCHEDULER_ORDER = [
  'temporal',
  'greedy',
  'gpulet',
  'gpulet-int',
  'ideal',
  'parvagpu',
  'gpulet-mig',
] as const;
export const SCHEDULER_COLORS = ['#E69F00', '#56B4E9', '#009E73', '#0072B2', '#CC79A7', '#D55E00', '#999999'];

/** Colours for sequences with no fixed meaning (partitions, models, series). */
export const SERIES_COLORS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

/** The paper's short model names (docs/design.md#units-and-names), for crowded axes. */
export const SHORT_NAMES: Readonly<Record<string, string>> = {
  lenet: 'le',
  googlenet: 'goo',
  resnet50: 'res',
  'ssd-mobilenetv1': 'ssd',
  vgg16: 'vgg',
  mnasnet1_0: 'nas',
  mobilenet_v2: 'mob',
  densenet161: 'den',
  bert: 'be',
};

/** `googlenet+mobilenet_v2` → `goo+mob`. */
export function shortPair(pair: string): string {
  return pair
    .split('+')
    .map((m) => SHORT_NAMES[m] ?? m)
    .join('+');
}

/** Shared vega-lite config: font, sizes, light grid, white background, legend below. */
export const CONFIG = {
  font: FONT_FAMILY,
  background: 'white',
  padding: 12,
  view: { stroke: null, continuousWidth: 520, continuousHeight: 300 },
  title: {
    fontSize: 15,
    fontWeight: 'normal',
    anchor: 'start',
    subtitleFontSize: 11,
    subtitleColor: '#555',
    offset: 10,
  },
  axis: {
    labelLimit: 300,
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 'normal',
    gridColor: '#e8e8e8',
    domainColor: '#888',
    tickColor: '#888',
  },
  legend: {
    labelFontSize: 11,
    titleFontSize: 11,
    titleFontWeight: 'normal',
    orient: 'bottom',
    direction: 'horizontal',
    labelLimit: 400,
  },
  header: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal' },
  bar: { discreteBandSize: { band: 0.85 } },
  line: { strokeWidth: 2 },
} as const;

/** Colour encoding of a `scheduler` field with the fixed palette. */
export function schedulerColor(field = 'scheduler', present?: readonly string[]) {
  const names = SCHEDULER_ORDER.filter((s) => present === undefined || present.includes(s));
  return {
    field,
    type: 'nominal',
    title: 'scheduler',
    sort: names,
    scale: { domain: names, range: names.map((s) => SCHEDULER_COLORS[SCHEDULER_ORDER.indexOf(s)]) },
  };
}

/**
 * An xOffset encoding for grouped bars whose point, rule and text layers sit at the centre of their
 * bar: without the explicit band scale a point layer gets a point scale and lands off its bar.
 */
export function groupOffset(field: string, sort: readonly string[]) {
  return { field, type: 'nominal', sort: [...sort], scale: { type: 'band' }, bandPosition: 0.5 };
}

/** The mark of the paper's values: a black diamond, drawn over our bars and lines. */
export const PAPER_MARK = {
  type: 'point',
  shape: 'diamond',
  filled: true,
  color: 'black',
  size: 70,
  opacity: 0.9,
} as const;

/** A layer of paper markers at (x, y) with a legend entry "paper (Choi et al.)". */
export function paperLayer(encoding: Record<string, unknown>): VlSpec {
  return {
    mark: PAPER_MARK,
    encoding: {
      ...encoding,
      shape: {
        datum: 'paper (Choi et al.)',
        type: 'nominal',
        title: null,
        scale: { range: ['diamond'] },
        legend: { symbolFillColor: 'black', symbolStrokeColor: 'black' },
      },
    },
  };
}

/** A top-level spec with the shared config, a title and a subtitle saying what was drawn from what. */
export function topLevel(title: string, subtitle: string | string[], body: VlSpec): VlSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle },
    config: CONFIG,
    ...body,
  };
}
