/**
 * Training on an image folder too large to hold in memory: generates N
 * colour PNGs (default 100,000 of 64×64 in 10 class folders, drawn shapes
 * and noise, once; kept for reruns), trains one epoch with the CLI, then
 * evaluates the run and encodes every image, and reports the peak resident
 * memory of each process (from /usr/bin/time -v when present) with the wall
 * time.
 *
 *   node --import tsx bench/stream-images.ts [--count 100000] [--size 64] [--epochs 1]
 *        [--out bench-runs/stream-images] [--generate-only]
 *
 * --generate-only writes the images (into OUT/data-COUNT-SIZE) and stops:
 * presets/README.md measures the conv-colour preset on such folders.
 *
 * As float32 in memory, 100,000 such images would take 4.9 GB; the target is
 * a peak RSS under 1.5 GB.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCanvas } from '@napi-rs/canvas';
import { uniformGenerator } from '../src/core/util/random.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    size: { type: 'string', default: '64' },
    epochs: { type: 'string', default: '1' },
    out: { type: 'string', default: 'bench-runs/stream-images' },
    'generate-only': { type: 'boolean', default: false },
  },
});
const count = Number(values.count);
const size = Number(values.size);
const out = path.resolve(values.out!);
const data = path.join(out, `data-${count}-${size}`);
const CLASSES = 10;

function generate(): void {
  if (existsSync(data) && readdirSync(data).reduce((n, c) => n + readdirSync(path.join(data, c)).length, 0) === count) return;
  rmSync(data, { recursive: true, force: true });
  const rand = uniformGenerator(7);
  const canvas = createCanvas(size, size);
  const ctx = canvas.getContext('2d');
  const started = Date.now();
  for (let c = 0; c < CLASSES; c++) mkdirSync(path.join(data, `class${c}`), { recursive: true });
  for (let i = 0; i < count; i++) {
    const c = i % CLASSES;
    ctx.fillStyle = `hsl(${Math.floor(rand() * 360)}, 40%, ${20 + Math.floor(rand() * 30)}%)`;
    ctx.fillRect(0, 0, size, size);
    ctx.fillStyle = `hsl(${c * 36}, 80%, 60%)`;
    ctx.beginPath();
    // Class c: a polygon with c + 3 corners, at a random place and size.
    const [cx, cy, r] = [size * (0.3 + 0.4 * rand()), size * (0.3 + 0.4 * rand()), size * (0.15 + 0.15 * rand())];
    for (let k = 0; k < c + 3; k++) ctx.lineTo(cx + r * Math.cos((2 * Math.PI * k) / (c + 3)), cy + r * Math.sin((2 * Math.PI * k) / (c + 3)));
    ctx.fill();
    writeFileSync(path.join(data, `class${c}`, `${String(i).padStart(6, '0')}.png`), canvas.toBuffer('image/png'));
    if (i % 10000 === 9999) process.stdout.write(`generated ${i + 1}/${count} images (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  }
}

generate();
if (values['generate-only']) {
  process.stdout.write(`${count} images of ${size}×${size} in ${data}\n`);
  process.exit(0);
}
const runs = path.join(out, 'runs');
rmSync(path.join(runs, 'stream'), { recursive: true, force: true });
const timed = existsSync('/usr/bin/time');

/** Runs the CLI under /usr/bin/time -v: its output, wall time and peak RSS (MB). */
function measure(args: string[]): { stdout: string; seconds: number; rssMb: number } {
  const cli = ['bin/latentlab.js', ...args];
  const started = Date.now();
  const r = timed ? spawnSync('/usr/bin/time', ['-v', process.execPath, ...cli], { encoding: 'utf8' }) : spawnSync(process.execPath, cli, { encoding: 'utf8' });
  const seconds = (Date.now() - started) / 1000;
  if (r.status !== 0) {
    process.stderr.write(`latentlab ${args.join(' ')}\n${r.stdout}\n${r.stderr}\n`);
    process.exit(1);
  }
  return { stdout: r.stdout, seconds, rssMb: Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024 };
}
const rss = (mb: number) => (timed ? `${mb.toFixed(0)} MB` : 'unknown (no /usr/bin/time)');

const run = path.join(runs, 'stream');
const train = measure(['train', '--data', data, '--epochs', values.epochs!, '--likelihood', 'gaussian', '--variance', '0.05',
  '--hidden', '256', '--latent-dim', '16', '--batch-size', '128', '-q', '--out', runs, '--name', 'stream']);
// The commands that apply the run read the same folder: eval its held-out test split, encode every image.
const evaluated = measure(['eval', run, '-q']);
const encoded = measure(['encode', run, '-o', path.join(out, 'codes.npy'), '-q']);
const lines = [
  `${count} colour ${size}×${size} PNGs (${(count * size * size * 3 * 4 / 2 ** 30).toFixed(1)} GiB as float32), ${values.epochs} epoch(s), MLP 256, latent 16, batch 128`,
  `train:  peak RSS ${rss(train.rssMb)}, wall time ${train.seconds.toFixed(0)} s`,
  `eval:   peak RSS ${rss(evaluated.rssMb)}, wall time ${evaluated.seconds.toFixed(0)} s (the held-out test split)`,
  `encode: peak RSS ${rss(encoded.rssMb)}, wall time ${encoded.seconds.toFixed(0)} s (all ${count} images)`,
  train.stdout.split('\n').filter((l) => /epoch|read from disk|test/.test(l)).join('\n'),
];
process.stdout.write(`${lines.join('\n')}\n`);
