/**
 * The drawing surface the figure code targets: a structural subset of the
 * standard `CanvasRenderingContext2D`. A browser canvas context and an
 * `@napi-rs/canvas` context both satisfy it, so the same drawing functions
 * serve the CLI (PNG files) and the web page. No DOM types are referenced.
 */

/** What `measureText` must report: only the advance width is used. */
export interface TextMetricsLike {
  readonly width: number;
}

/**
 * RGBA pixels, 8 bits per channel, row-major, unpremultiplied — the shape of
 * a standard `ImageData` (its `data` is a `Uint8ClampedArray`).
 */
export interface ImageDataLike {
  readonly width: number;
  readonly height: number;
  readonly data: { [index: number]: number; readonly length: number };
}

/** Fill / stroke style: a CSS colour string (gradients are never used here). */
export type StyleLike = string | object;

export type TextAlign = 'center' | 'end' | 'left' | 'right' | 'start';
export type TextBaseline = 'alphabetic' | 'bottom' | 'hanging' | 'ideographic' | 'middle' | 'top';

/** The 2-D context subset used by every function in `core/figures`. */
export interface Ctx2D {
  font: string;
  fillStyle: StyleLike;
  strokeStyle: StyleLike;
  lineWidth: number;
  globalAlpha: number;
  textAlign: TextAlign;
  textBaseline: TextBaseline;

  save(): void;
  restore(): void;
  translate(x: number, y: number): void;
  rotate(angle: number): void;

  beginPath(): void;
  closePath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  rect(x: number, y: number, w: number, h: number): void;
  arc(x: number, y: number, radius: number, startAngle: number, endAngle: number): void;
  stroke(): void;
  fill(): void;
  /** Restricts drawing to the current path (until `restore`). */
  clip(): void;
  setLineDash(segments: number[]): void;

  fillRect(x: number, y: number, w: number, h: number): void;
  strokeRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  measureText(text: string): TextMetricsLike;

  /** Pixel writing: `putImageData` ignores the current transform and alpha. */
  createImageData(width: number, height: number): ImageDataLike;
  putImageData(image: ImageDataLike, dx: number, dy: number): void;
}
