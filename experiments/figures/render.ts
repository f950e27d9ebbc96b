/**
 * vega-lite spec → SVG (vega's headless renderer, no DOM) → PNG (resvg). resvg draws text only with
 * a font it has loaded and drops text silently otherwise, so it loads exactly the bundled DejaVu
 * Sans and never the system's fonts: the PNG is the same on every machine.
 */
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { Resvg as ResvgClass } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { FONT_FAMILY, type VlSpec } from './style.ts';
import { vegaTextWidth } from './text-width.ts';

/** vega's text measurement hook (not in its typings; vl-convert sets it the same way). */
const textMetrics = (vega as unknown as { textMetrics: { width: (item: object, text: unknown) => number } })
  .textMetrics;

/** The bundled font file (Bitstream Vera licence, assets/fonts/DejaVuSans-LICENSE.txt). */
export const FONT_FILE = fileURLToPath(new URL('../../assets/fonts/DejaVuSans.ttf', import.meta.url));

export interface Rendered {
  svg: string;
  /** Warnings from the vega-lite compiler and vega (a figure should have none). */
  warnings: string[];
}

/** Render a vega-lite spec to SVG text. */
export async function renderSvg(spec: VlSpec): Promise<Rendered> {
  const warnings: string[] = [];
  const logger = collectingLogger(warnings);
  // Lay text out with the bundled font's widths; vega's own guess without a canvas is 0.8 em per
  // character, which leaves wide empty margins.
  textMetrics.width = vegaTextWidth;
  const compiled = vl.compile(spec as unknown as vl.TopLevelSpec, { logger }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger, logLevel: vega.Warn });
  const svg = await view.toSVG();
  view.finalize();
  return { svg, warnings };
}

/** Rasterise SVG text to PNG bytes at `zoom` (2: crisp on high-density screens). */
export function renderPng(svg: string, zoom = 2): Buffer {
  // Loaded on first use: a native module that commands which draw nothing need not load.
  const { Resvg } = createRequire(import.meta.url)('@resvg/resvg-js') as { Resvg: typeof ResvgClass };
  const r = new Resvg(svg, {
    font: {
      fontFiles: [FONT_FILE],
      loadSystemFonts: false,
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
    fitTo: { mode: 'zoom', value: zoom },
    background: 'white',
  });
  return r.render().asPng();
}

/** A vega logger that records warnings and errors instead of printing them. */
function collectingLogger(into: string[]): vega.LoggerInterface {
  let level = vega.Warn;
  const logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error(...args: readonly unknown[]) {
      into.push(`error: ${args.map(String).join(' ')}`);
      return logger;
    },
    warn(...args: readonly unknown[]) {
      into.push(args.map(String).join(' '));
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  };
  return logger as unknown as vega.LoggerInterface;
}
