import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCanvas } from '@napi-rs/canvas';
import {
  PALETTE, drawLineChart, drawScatter, finiteDomain, formatTick, hexToRgb, imageGridLayout,
  manifoldAxisLabels, manifoldLatents, niceTicks,
} from '../src/core/figures/index.js';
import {
  decodePng, imageGridPng, lineChartPng, manifoldPng, pngSize, reconstructionsPng, scatterPng,
} from '../src/node/figures.js';

type Decoded = Awaited<ReturnType<typeof decodePng>>;

function rgbAt(img: Decoded, x: number, y: number): [number, number, number] {
  const i = (Math.round(y) * img.width + Math.round(x)) * 4;
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
}

function near(actual: [number, number, number], expected: readonly number[], tol = 2): boolean {
  return actual.every((v, i) => Math.abs(v - expected[i]) <= tol);
}

test('image grid: canvas size, intensities, clamping, NaN and padding land where the layout says', async () => {
  const [h, w] = [4, 5];
  const images = new Float32Array(4 * h * w);
  images.fill(0, 0, h * w); // image 0: black
  images.fill(1, h * w, 2 * h * w); // image 1: white
  images.fill(0.5, 2 * h * w, 3 * h * w); // image 2: mid grey
  images.fill(7, 3 * h * w, 4 * h * w); // image 3: clamped to white …
  images[3 * h * w] = -3; // … except its top-left pixel (clamped to black)
  images[3 * h * w + 1] = Number.NaN; // and the next one (NaN → black)
  const opts = { count: 4, height: h, width: w, cols: 2, pad: 2, scale: 3, background: '#ff0000' };
  const layout = imageGridLayout(opts);
  const png = imageGridPng(images, opts);
  assert.deepEqual(pngSize(png), { width: layout.width, height: layout.height });
  const img = await decodePng(png);
  const cell = (k: number, px: number, py: number) =>
    rgbAt(img, layout.grid.x + 2 + (k % 2) * layout.cellWidth + px, layout.grid.y + 2 + Math.floor(k / 2) * layout.cellHeight + py);
  assert.equal(layout.cellWidth, w * 3 + 2);
  assert.deepEqual(cell(0, 0, 0), [0, 0, 0]);
  assert.deepEqual(cell(0, w * 3 - 1, h * 3 - 1), [0, 0, 0]); // last upscaled pixel
  assert.deepEqual(cell(0, w * 3, 0), [255, 0, 0]); // the gap right after it
  assert.deepEqual(cell(1, 7, 5), [255, 255, 255]);
  assert.deepEqual(cell(2, 7, 5), [128, 128, 128]);
  assert.deepEqual(cell(3, 7, 5), [255, 255, 255]);
  assert.deepEqual(cell(3, 2, 2), [0, 0, 0]); // source (0,0) = −3, scaled ×3
  assert.deepEqual(cell(3, 4, 1), [0, 0, 0]); // source (0,1) = NaN
  assert.deepEqual(cell(3, 6, 0), [255, 255, 255]); // source (0,2) = 7
  assert.deepEqual(rgbAt(img, layout.grid.x, layout.grid.y), [255, 0, 0]); // outer padding
});

test('image grid: RGB images and too-short input', async () => {
  const rgb = new Float32Array(2 * 2 * 3);
  for (let p = 0; p < 4; p++) rgb.set([1, 0.5, 0], p * 3);
  const opts = { count: 1, height: 2, width: 2, channels: 3 as const, cols: 4, pad: 0, scale: 1 };
  const layout = imageGridLayout(opts);
  const img = await decodePng(imageGridPng(rgb, opts));
  assert.deepEqual(rgbAt(img, layout.grid.x + 1, layout.grid.y + 1), [255, 128, 0]);
  assert.throws(() => imageGridPng(new Float32Array(3), { count: 2, height: 2, width: 2, cols: 2 }), /expected 8 values/);
});

test('reconstructions: originals on the first row, reconstructions on the second', async () => {
  const [h, w, count] = [6, 6, 3];
  const originals = new Float32Array(count * h * w).fill(1);
  const recon = new Float32Array(count * h * w).fill(0.25);
  const png = reconstructionsPng(originals, recon, { count, height: h, width: w, scale: 2 });
  const layout = imageGridLayout({
    count: 6, height: h, width: w, cols: 3, scale: 2, title: 'Reconstructions', rowLabels: ['input', 'reconstruction'],
  });
  assert.deepEqual(pngSize(png), { width: layout.width, height: layout.height });
  const img = await decodePng(png);
  for (let c = 0; c < count; c++) {
    const x = layout.grid.x + 2 + c * layout.cellWidth + 5;
    assert.deepEqual(rgbAt(img, x, layout.grid.y + 2 + 5), [255, 255, 255]);
    assert.deepEqual(rgbAt(img, x, layout.grid.y + 2 + layout.cellHeight + 5), [64, 64, 64]);
  }
  // The row labels are drawn left of the grid: some dark text pixels exist there.
  let dark = 0;
  for (let y = layout.grid.y; y < layout.grid.y + layout.grid.height; y++) {
    for (let x = 0; x < layout.grid.x; x++) if (rgbAt(img, x, y)[0] < 100) dark++;
  }
  assert.ok(dark > 20, `expected label text left of the grid, found ${dark} dark pixels`);
});

test('manifold: latent order puts z1 left→right and z2 bottom→top; cells follow it', async () => {
  const z = manifoldLatents(3, [-1, 1]);
  assert.deepEqual(Array.from(z.subarray(0, 6)), [-1, 1, 0, 1, 1, 1]); // top row: z2 = +1
  assert.deepEqual(Array.from(z.subarray(12, 14)), [-1, -1]); // bottom-left
  assert.deepEqual(manifoldAxisLabels(3, [-1, 1]), { cols: ['\u22121', '0', '1'], rows: ['1', '0', '\u22121'] });
  assert.deepEqual(manifoldAxisLabels(20, [-2, 2]).cols.slice(0, 2), ['\u22122.00', '\u22121.79']);
  const [h, w, n] = [8, 8, 3];
  const images = new Float32Array(n * n * h * w);
  for (let k = 0; k < n * n; k++) images.fill(k / 8, k * h * w, (k + 1) * h * w);
  const png = manifoldPng(images, { gridSize: n, height: h, width: w, zRange: [-1, 1], scale: 2 });
  const img = await decodePng(png);
  const layout = imageGridLayout({
    count: 9, height: h, width: w, cols: 3, pad: 0, scale: 2, title: 'Decoded latent manifold',
    colLabels: ['\u22121', '0', '1'], rowLabels: ['1', '0', '\u22121'], xLabel: 'z\u2081', yLabel: 'z\u2082',
  });
  assert.deepEqual([img.width, img.height], [layout.width, layout.height]);
  for (let k = 0; k < 9; k++) {
    const v = Math.round((k / 8) * 255);
    const x = layout.grid.x + (k % 3) * layout.cellWidth + 7;
    const y = layout.grid.y + Math.floor(k / 3) * layout.cellHeight + 7;
    assert.deepEqual(rgbAt(img, x, y), [v, v, v], `cell ${k}`);
  }
});

function twoClusters(): { points: Float32Array; labels: Int32Array } {
  const points = new Float32Array(2 * 40);
  const labels = new Int32Array(40);
  for (let i = 0; i < 40; i++) {
    const c = i % 2;
    points[2 * i] = c * 10 + (i % 5) * 0.01;
    points[2 * i + 1] = c * 10 - (i % 3) * 0.01;
    labels[i] = c;
  }
  return { points, labels };
}

test('scatter: label 0 and label 1 are drawn in the first two palette colours at their positions', async () => {
  const { points, labels } = twoClusters();
  const opts = { title: 'Latent codes', xLabel: 'z1', yLabel: 'z2', note: '2-D latent', pointAlpha: 1, pointRadius: 4 };
  const png = scatterPng(points, labels, opts);
  assert.deepEqual(pngSize(png), { width: 640, height: 560 });
  const probe = createCanvas(640, 560).getContext('2d');
  const { x, y, plot } = drawScatter(probe, points, labels, { ...opts, width: 640, height: 560 });
  const img = await decodePng(png);
  assert.ok(near(rgbAt(img, x(0.02), y(-0.01)), hexToRgb(PALETTE[0])), `label 0 colour, got ${rgbAt(img, x(0.02), y(-0.01))}`);
  assert.ok(near(rgbAt(img, x(10.02), y(9.99)), hexToRgb(PALETTE[1])), `label 1 colour, got ${rgbAt(img, x(10.02), y(9.99))}`);
  assert.ok(x(10) < plot.x + plot.width && y(10) > plot.y, 'points inside the plot');
  assert.ok(near(rgbAt(img, x(5.3), y(3.3)), [255, 255, 255], 30), 'empty space stays background (or light grid)');
});

test('scatter: many points, no labels, non-finite points and a label/point mismatch', () => {
  const n = 10_000;
  const points = new Float32Array(2 * n).map((_, i) => Math.sin(i * 12.9898) * 3);
  points[0] = Number.NaN;
  points[3] = Number.POSITIVE_INFINITY;
  assert.deepEqual(pngSize(scatterPng(points, null, { title: 't', xLabel: 'x', yLabel: 'y' })), { width: 640, height: 560 });
  assert.throws(() => scatterPng(points, new Int32Array(3), { title: 't', xLabel: 'x', yLabel: 'y' }), /3 labels for 10000 points/);
});

test('line chart: draws the series colour on the line; NaN, one point, empty and constant series are fine', async () => {
  const x = [0, 1, 2, 3, 4];
  const series = [
    { name: 'train', x, y: [5, 5, 5, 5, 5] },
    { name: 'test', x, y: [Number.NaN, 6, Number.NaN, Number.POSITIVE_INFINITY, 7], dashed: true },
    { name: 'single', x: [2], y: [5.5] },
    { name: 'empty', x: [], y: [] },
  ];
  const opts = { title: 'Loss', xLabel: 'epoch', yLabel: 'nats' };
  const png = lineChartPng(series, opts);
  assert.deepEqual(pngSize(png), { width: 640, height: 420 });
  const probe = createCanvas(640, 420).getContext('2d');
  const layout = drawLineChart(probe, series, { ...opts, width: 640, height: 420 });
  const img = await decodePng(png);
  assert.ok(near(rgbAt(img, layout.x(1.5), layout.y(5)), hexToRgb(PALETTE[0]), 30), 'constant train line is drawn');
  for (const all of [[Number.NaN], [3, 3, 3], []]) {
    assert.doesNotThrow(() => lineChartPng([{ name: 'a', x: all.map((_, i) => i), y: all }], opts));
  }
  assert.doesNotThrow(() => lineChartPng([], opts));
});

test('line chart: a fixed y range sets the axis and cuts lines that leave it at the plot\'s edge', async () => {
  const series = [{ name: 'curve', x: [0, 1, 2, 3], y: [200, 120, 101, 100], color: '#ff0000' }];
  const opts = { title: 'Bound', xLabel: 'hours', yLabel: 'nats', yRange: [99, 110] as const };
  const probe = createCanvas(640, 420).getContext('2d');
  const layout = drawLineChart(probe, series, { ...opts, width: 640, height: 420 });
  assert.deepEqual([layout.y.domain.lo, layout.y.domain.hi], [99, 110]);
  const img = await decodePng(lineChartPng(series, opts));
  let redAbove = 0;
  for (let py = 0; py < Math.floor(layout.plot.y) - 1; py++) {
    for (let px = Math.ceil(layout.plot.x); px < layout.plot.x + layout.plot.width; px++) if (near(rgbAt(img, px, py), [255, 0, 0], 40)) redAbove++;
  }
  assert.equal(redAbove, 0, 'nothing of the line is drawn above the plot');
  assert.ok(near(rgbAt(img, layout.x(2.5), layout.y(100.5)), [255, 0, 0], 60), 'the part inside the range is drawn');
});

test('ticks: nice values, robust extents and labels', () => {
  assert.deepEqual(niceTicks({ lo: 0, hi: 1 }, 5).values, [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks({ lo: -3.2, hi: 7.9 }, 5).values, [-2.5, 0, 2.5, 5, 7.5]);
  assert.deepEqual(finiteDomain([Number.NaN, Number.POSITIVE_INFINITY]), { lo: 0, hi: 1 });
  assert.deepEqual(finiteDomain([4, 4, Number.NaN]), { lo: 3.5, hi: 4.5 });
  assert.deepEqual(finiteDomain([0, 10], 0.1), { lo: -1, hi: 11 });
  assert.equal(formatTick(-0.5, 0.25), '\u22120.50');
  assert.equal(formatTick(100, 20), '100');
  assert.equal(formatTick(2e6, 1e6), '2.0e+6');
});
