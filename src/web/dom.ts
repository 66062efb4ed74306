/**
 * Small DOM helpers: creating elements, drawing an image (grey or RGB) onto
 * a canvas at a pixel scale, and a canvas sized for the device's pixel ratio.
 */

/** Creates an element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

/** Height, width and channels of one example, when it can be shown as an image. */
export function imageLayout(shape: readonly number[]): { height: number; width: number; channels: number } {
  if (shape.length === 2) return { height: shape[0], width: shape[1], channels: 1 };
  if (shape.length === 3 && (shape[2] === 1 || shape[2] === 3)) return { height: shape[0], width: shape[1], channels: shape[2] };
  const dim = shape.reduce((a, b) => a * b, 1);
  return { height: 1, width: dim, channels: 1 };
}

/** A canvas showing one image (values in [0, 1]: 0 black, 1 white, as in the CLI's figures), each pixel `scale`× wide. */
export function imageCanvas(shape: readonly number[], scale: number, className = 'digit'): HTMLCanvasElement {
  const { height, width } = imageLayout(shape);
  const canvas = h('canvas', { class: className, width: String(width * scale), height: String(height * scale) });
  return canvas;
}

/** Draws `values` (one example, [0, 1]) onto `canvas`, scaled to fill it with crisp pixels. */
export function drawImage(canvas: HTMLCanvasElement, values: ArrayLike<number>, shape: readonly number[], offset = 0): void {
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
