/**
 * Small DOM helpers: creating elements, drawing an example onto a canvas (an
 * image, grey or RGB, at a pixel scale; a table row as bars), and a canvas
 * sized for the device's pixel ratio.
 */

/** Creates an element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

/** True when examples of `shape` are images ([H, W], or [H, W, C] with 1 or 3 channels); anything else is drawn as a table row. */
export function isImageShape(shape: readonly number[]): boolean {
  return shape.length === 2 || (shape.length === 3 && (shape[2] === 1 || shape[2] === 3));
}

/** Height, width and channels of one example, when it can be shown as an image. */
export function imageLayout(shape: readonly number[]): { height: number; width: number; channels: number } {
  if (shape.length === 2) return { height: shape[0], width: shape[1], channels: 1 };
  if (shape.length === 3 && (shape[2] === 1 || shape[2] === 3)) return { height: shape[0], width: shape[1], channels: shape[2] };
  const dim = shape.reduce((a, b) => a * b, 1);
  return { height: 1, width: dim, channels: 1 };
}

/** A table row's bars reach ±ROW_RANGE standard deviations (its columns are standardised), clipped beyond. */
export const ROW_RANGE = 3;

/**
 * A canvas showing one example: an image (values in [0, 1]: 0 black, 1 white,
 * as in the CLI's figures), each pixel `scale`× wide; or a table row as bars,
 * one per column, about as large as a 28×28 image at the same scale.
 */
export function imageCanvas(shape: readonly number[], scale: number, className = 'digit'): HTMLCanvasElement {
  if (!isImageShape(shape)) {
    const columns = shape.reduce((a, b) => a * b, 1);
    const width = Math.round(Math.min(1.6 * 28 * scale, Math.max(14 * scale, columns * 3 * scale)));
    return h('canvas', { class: `${className} row`, width: String(width), height: String(Math.round(20 * scale)) });
  }
  const { height, width } = imageLayout(shape);
  const canvas = h('canvas', { class: className, width: String(width * scale), height: String(height * scale) });
  return canvas;
}

/**
 * Draws one table row ([D] values, standardised): a bar per column from the
 * zero line, blue above and orange below, with guides at ±1 σ; values beyond
 * ±ROW_RANGE σ are clipped and drawn as a full bar with a tick at its end.
 */
function drawRow(canvas: HTMLCanvasElement, values: ArrayLike<number>, columns: number, offset: number): void {
  const ctx = canvas.getContext('2d')!;
  const { width, height } = canvas;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  const mid = height / 2;
  const unit = (height / 2 - 2) / ROW_RANGE;
  ctx.fillStyle = '#ddd';
  ctx.fillRect(0, Math.round(mid - unit), width, 1);
  ctx.fillRect(0, Math.round(mid + unit), width, 1);
  const step = width / columns;
  const bar = Math.max(1, step * 0.75);
  for (let j = 0; j < columns; j++) {
    const v = values[offset + j];
    const clipped = Math.max(-ROW_RANGE, Math.min(ROW_RANGE, Number.isFinite(v) ? v : 0));
    const x = j * step + (step - bar) / 2;
    ctx.fillStyle = clipped >= 0 ? '#2f6fb5' : '#e07b28';
    const top = clipped >= 0 ? mid - clipped * unit : mid;
    ctx.fillRect(x, top, bar, Math.max(1, Math.abs(clipped) * unit));
    if (clipped !== v && Number.isFinite(v)) {
      ctx.fillStyle = '#111';
      ctx.fillRect(x, clipped > 0 ? 0 : height - 2, bar, 2);
    }
  }
  ctx.fillStyle = '#888';
  ctx.fillRect(0, Math.round(mid), width, 1);
}

/** Draws `values` (one example) onto `canvas`: an image ([0, 1]) scaled to fill it with crisp pixels, or a table row as bars. */
export function drawImage(canvas: HTMLCanvasElement, values: ArrayLike<number>, shape: readonly number[], offset = 0): void {
  if (!isImageShape(shape)) {
    drawRow(canvas, values, shape.reduce((a, b) => a * b, 1), offset);
    return;
  }
  const { height, width, channels } = imageLayout(shape);
  const small = new ImageData(width, height);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) {
      const v = values[offset + p * channels + (channels === 3 ? c : 0)];
      small.data[4 * p + c] = Math.round(255 * Math.min(1, Math.max(0, v)));
    }
    small.data[4 * p + 3] = 255;
  }
  const buffer = new OffscreenCanvas(width, height);
  buffer.getContext('2d')!.putImageData(small, 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(buffer, 0, 0, canvas.width, canvas.height);
}

/** A chart canvas: `width`×`height` CSS pixels, backed by device pixels; returns the context scaled to CSS pixels. */
export function chartCanvas(width: number, height: number, className = 'chart'): { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D } {
  const ratio = Math.max(1, Math.round(window.devicePixelRatio || 1));
  const canvas = h('canvas', { class: className, width: String(width * ratio), height: String(height * ratio) });
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.scale(ratio, ratio);
  return { canvas, ctx };
}

/** A message in place of a view that failed. */
export function errorBox(message: string): HTMLElement {
  return h('div', { class: 'error', role: 'alert' }, message);
}
