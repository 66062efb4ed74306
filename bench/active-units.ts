/**
 * Which latent dimensions models use, in one figure: for each `latentlab eval
 * --json` result (the file `eval` writes, `<run>/eval.json`, or a copy), the
 * variance over the test images of each dimension's q(z|x) mean (Burda et
 * al.'s A_u), largest first, on a log scale, with the 10⁻² line that counts a
 * dimension as active.
 *
 *   node --import tsx bench/active-units.ts NAME=EVAL.json… [--out active-units.png] [--note "…"] [--title "…"]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { lineChartPng } from '../src/node/figures.js';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args.splice(args.indexOf(name), 2)[1] : undefined);
const out = option('--out') ?? 'active-units.png';
const note = option('--note') ?? '';
const title = option('--title') ?? 'Active units: Var_x E_q[z_u] per latent dimension, largest first';
if (args.length === 0) {
  console.error('bench/active-units: give NAME=EVAL.json for each model, e.g. elbo=runs/elbo/eval.json');
  process.exit(2);
}
const FLOOR = 1e-6;
const series = args.map((arg) => {
  const [name, file] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, arg];
  const result = JSON.parse(readFileSync(file, 'utf8')) as { activeUnits?: { count: number; of: number; variances: number[]; threshold: number } };
  if (!result.activeUnits) {
    console.error(`bench/active-units: ${file} has no activeUnits (an eval of a model whose encoder has a density, by this version)`);
    process.exit(2);
  }
  const v = [...result.activeUnits.variances].sort((a, b) => b - a);
  console.log(`${name}: ${result.activeUnits.count} of ${result.activeUnits.of} active (> ${result.activeUnits.threshold})`);
  return { name: `${name} (${result.activeUnits.count} of ${result.activeUnits.of})`, x: v.map((_, i) => i + 1), y: v.map((a) => Math.log10(Math.max(a, FLOOR))) };
});
const dims = Math.max(...series.map((s) => s.x.length));
const threshold = { name: 'threshold 10⁻²', x: [1, dims], y: [-2, -2], dashed: true, color: '#888888' };
// Headroom above A_u = 1 (log 0) for the legend, which sits in the top-right corner.
const low = Math.min(-2, ...series.flatMap((s) => s.y));
writeFileSync(out, lineChartPng([...series, threshold], {
  title, note, xLabel: 'latent dimensions, sorted by A_u', yLabel: `log₁₀ A_u (floor ${Math.log10(FLOOR)})`, width: 760, height: 500,
  yRange: [Math.floor(low) - 0.5, 2.5],
}));
console.log(`wrote ${out}`);
