/** Draw one figure from the CSVs in a folder: SVG and PNG beside them, or a note why not. */
import { join } from 'node:path';
import { loadInputs, outputBase, type FigureDef } from './figure.ts';
import { renderPng, renderSvg } from './render.ts';
import { writeFileAtomic } from '../lib/output.ts';

export type Drawn =
  | { name: string; status: 'drawn'; files: string[]; from: string[]; warnings: string[] }
  | { name: string; status: 'skipped'; reason: string };

/** Draw `def` from the CSVs in `dir` into `outDir` (usually the same folder). */
export async function drawFigure(
  def: FigureDef,
  dir: string,
  opts: { quick?: boolean; outDir?: string } = {},
): Promise<Drawn> {
  const loaded = loadInputs(def, dir, opts.quick ?? false);
  if (!loaded.ok) return { name: def.name, status: 'skipped', reason: loaded.reason };
  const { svg, warnings } = await renderSvg(def.figure(loaded.inputs));
  const base = join(opts.outDir ?? dir, outputBase(def, loaded.files));
  writeFileAtomic(`${base}.svg`, svg);
  writeFileAtomic(`${base}.png`, renderPng(svg));
  return { name: def.name, status: 'drawn', files: [`${base}.svg`, `${base}.png`], from: loaded.files, warnings };
}
