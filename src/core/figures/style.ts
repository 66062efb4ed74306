/**
 * Shared look of every figure: fonts, greys, the categorical palette.
 */

/** Font family used for all text; generic so any platform resolves it. */
export const FONT_FAMILY = 'sans-serif';

/** Font sizes in CSS pixels. */
export const FONT_SIZE = { title: 15, label: 13, tick: 11, note: 12, legend: 12 } as const;

/** CSS font strings built from {@link FONT_SIZE}. */
export const FONTS = {
  title: `bold ${FONT_SIZE.title}px ${FONT_FAMILY}`,
  label: `${FONT_SIZE.label}px ${FONT_FAMILY}`,
  tick: `${FONT_SIZE.tick}px ${FONT_FAMILY}`,
  note: `italic ${FONT_SIZE.note}px ${FONT_FAMILY}`,
  legend: `${FONT_SIZE.legend}px ${FONT_FAMILY}`,
} as const;

/** Neutral colours for text, axes and grid lines. */
export const INK = {
  text: '#222222',
  muted: '#555555',
  axis: '#444444',
  grid: '#e6e6e6',
  background: '#ffffff',
} as const;

/**
 * Tableau 10 (2016 revision): a categorical palette designed to stay
 * distinguishable under the common colour-vision deficiencies.
 */
export const PALETTE: readonly string[] = [
  '#4e79a7', // blue
  '#f28e2b', // orange
  '#e15759', // red
  '#76b7b2', // teal
  '#59a14f', // green
  '#edc948', // yellow
  '#b07aa1', // purple
  '#ff9da7', // pink
  '#9c755f', // brown
  '#bab0ac', // grey
];

/** Palette colour for category `i` (wraps around after 10). */
export function categoryColor(i: number): string {
  const n = PALETTE.length;
  return PALETTE[((Math.trunc(i) % n) + n) % n];
}

/** Parses `#rrggbb` into `[r, g, b]` bytes. */
export function hexToRgb(hex: string): [number, number, number] {
  const v = Number.parseInt(hex.replace('#', ''), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/**
 * Rough advance width of `text` at `fontSize` px in a sans-serif font, for
 * layouts that must be known before a context exists (canvas sizing).
 */
export function estimateTextWidth(text: string, fontSize: number): number {
  return Math.ceil(text.length * fontSize * 0.62);
}
