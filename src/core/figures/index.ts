/**
 * Figure drawing against a minimal 2-D canvas context ({@link Ctx2D}): image
 * grids, scatter plots and line charts. Runs in Node (via @napi-rs/canvas, see
 * src/node/figures.ts) and in the browser (a canvas' 2-D context).
 */
export type { Ctx2D, ImageDataLike, TextMetricsLike, StyleLike, TextAlign, TextBaseline } from './ctx.js';
export { PALETTE, FONTS, FONT_SIZE, FONT_FAMILY, INK, categoryColor, hexToRgb, estimateTextWidth } from './style.js';
export { type Domain, finiteDomain, niceStep, niceTicks, formatTick, formatNumber } from './ticks.js';
export {
  type ChartOptions, type Rect, type LinearScale, type LegendItem, type AxesOptions,
  linearScale, drawTitleBlock, drawVerticalText, drawAxes, drawLegend, measureLegend, crisp,
} from './layout.js';
export { type ImageGridOptions, type ImageGridLayout, drawImageGrid, imageGridLayout, imageGridSize } from './grid.js';
export { linspace, manifoldLatents, manifoldAxisLabels, formatAligned } from './manifold.js';
export { type ScatterOptions, type ScatterLayout, drawScatter } from './scatter.js';
export { type LineSeries, type LineChartOptions, type LineChartLayout, drawLineChart } from './lines.js';
