/**
 * Text widths in DejaVu Sans, so vega lays out labels, legends and titles for the font resvg draws
 * with. Headless vega has no canvas to measure text and otherwise guesses 0.8 em per character,
 * about 40 % too wide for this font: legends spread out and figures get wide empty margins.
 *
 * Advance widths in em, read from assets/fonts/DejaVuSans.ttf (hmtx via the format-4 cmap,
 * 2,048 units per em) for printable ASCII and the few symbols figures use; other characters count
 * as 0.64 em (the digits' width).
 */
const CHARS =
  ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~≤≥×−–—…°µ·±→';
const EMS = [
  0.3179, 0.4009, 0.46, 0.8379, 0.6362, 0.9502, 0.7798, 0.2749, 0.3901, 0.3901, 0.5, 0.8379, 0.3179, 0.3608, 0.3179,
  0.3369, 0.6362, 0.6362, 0.6362, 0.6362, 0.6362, 0.6362, 0.6362, 0.6362, 0.6362, 0.6362, 0.3369, 0.3369, 0.8379,
  0.8379, 0.8379, 0.5308, 1.0, 0.6841, 0.686, 0.6982, 0.77, 0.6318, 0.5752, 0.7749, 0.752, 0.2949, 0.2949, 0.6558,
  0.5571, 0.8628, 0.748, 0.7871, 0.603, 0.7871, 0.6948, 0.6348, 0.6108, 0.7319, 0.6841, 0.9888, 0.6851, 0.6108, 0.6851,
  0.3901, 0.3369, 0.3901, 0.8379, 0.5, 0.5, 0.6128, 0.6348, 0.5498, 0.6348, 0.6152, 0.3521, 0.6348, 0.6338, 0.2778,
  0.2778, 0.5791, 0.2778, 0.9741, 0.6338, 0.6118, 0.6348, 0.6348, 0.4111, 0.521, 0.3921, 0.6338, 0.5918, 0.8179, 0.5918,
  0.5918, 0.5249, 0.6362, 0.3369, 0.6362, 0.8379, 0.8379, 0.8379, 0.8379, 0.8379, 0.5, 1.0, 1.0, 0.5, 0.6362, 0.3179,
  0.8379, 0.8379,
];
const WIDTH = new Map([...CHARS].map((c, i) => [c, EMS[i]]));
const OTHER_EM = 0.6362;

/** Width of `text` in px at `fontSizePx`. */
export function textWidthPx(text: string, fontSizePx: number): number {
  let em = 0;
  for (const c of text) em += WIDTH.get(c) ?? OTHER_EM;
  return em * fontSizePx;
}

/** vega's `textMetrics.width(item, text)` for the bundled font (vega's default size is 11 px). */
export function vegaTextWidth(item: { fontSize?: number | string | null }, text: unknown): number {
  const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
  return textWidthPx(text == null ? '' : String(text).trim(), size);
}
