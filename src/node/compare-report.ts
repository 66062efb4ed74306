/**
 * The comparison's report, written twice from one outline: report.md (figures
 * linked from the run folders beside it) and report.html (one self-contained
 * file, figures embedded as data URIs).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { CompareRow } from './compare.js';
import { writeFileAtomic } from './fs-atomic.js';

const FIGURES = [
  { file: 'latent.png', caption: 'test codes (means of q(z|x)) coloured by label, over the prior density' },
  { file: 'samples.png', caption: 'samples: z ~ p(z) decoded' },
  { file: 'manifold.png', caption: 'the decoded latent plane' },
] as const;

const fmt = (v: number | null | undefined, digits = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${(100 * v).toFixed(1)} %`);
const minutes = (s: number) => (s < 90 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`);

function table(rows: readonly CompareRow[]): { head: string[]; body: string[][] } {
  return {
    head: ['model', 'prior', 'test reconstruction (nats/image) ↓', 'test −ELBO ↓', 'prior match: MMD² ↓', 'two-sample accuracy (50 % = indistinguishable)', 'k-NN label accuracy ↑', 'training time'],
    body: rows.map((r) => [
      r.model.toUpperCase(), r.priorLabel, fmt(r.test.reconstruction), 'loss' in r.test ? fmt(r.test.loss) : '–',
      fmt(r.latent.mmd, 3), pct(r.latent.twoSample), pct(r.latent.knn), minutes(r.trainSeconds),
    ]),
  };
}

/** Test reconstruction per epoch of a run, from its metrics.jsonl (empty when unreadable). */
function reconstructionCurve(dir: string, run: string): number[] {
  try {
    return readFileSync(path.join(dir, run, 'metrics.jsonl'), 'utf8').trim().split('\n')
      .map((line) => (JSON.parse(line) as { test: Record<string, number> }).test.reconstruction)
      .filter((v) => Number.isFinite(v));
  } catch {
    return [];
  }
}

const ratio = (a: number, b: number) => (a > b ? `${(a / b).toFixed(1)}× ` : '');

/**
 * Per prior, what a reader should see, in words, from the numbers (never
 * claiming what the numbers do not show): which model's codes match the
 * prior and by how much, how the reconstructions compare, whether the AAE
 * got worse as it trained, and what to look for in the figures.
 */
export function findings(rows: readonly CompareRow[], dir: string): string[] {
  const out: string[] = [];
  for (const label of [...new Set(rows.map((r) => r.priorLabel))]) {
    const vae = rows.find((r) => r.priorLabel === label && r.model === 'vae');
    const aae = rows.find((r) => r.priorLabel === label && r.model === 'aae');
    if (!vae || !aae) continue;
    // Two measures of prior match: say which model each favours, and whether they agree.
    const mmdFavoursAae = aae.latent.mmd < vae.latent.mmd;
    const twoSampleFavoursAae = aae.latent.twoSample < vae.latent.twoSample;
    const both = `MMD² ${fmt(aae.latent.mmd, 3)} (AAE) against ${fmt(vae.latent.mmd, 3)} (VAE); the two-sample classifier tells codes from prior samples ${pct(aae.latent.twoSample)} (AAE) and ${pct(vae.latent.twoSample)} (VAE) of the time`;
    const aaeCloser = mmdFavoursAae && twoSampleFavoursAae;
    const match = mmdFavoursAae === twoSampleFavoursAae
      ? `With the prior ${label}, the ${aaeCloser ? 'AAE' : 'VAE'}'s codes match it more closely by both measures: ${both}`
        + (aaeCloser ? ` (MMD² ${ratio(vae.latent.mmd, Math.max(aae.latent.mmd, 1e-4))}lower).` : '.')
      : `With the prior ${label}, the two measures disagree, so neither model's codes match it clearly better: ${both}.`;
    const recDiff = (aae.test.reconstruction - vae.test.reconstruction) / vae.test.reconstruction;
    const rec = Math.abs(recDiff) < 0.02
      ? `Both reconstruct about equally well (${fmt(aae.test.reconstruction)} AAE, ${fmt(vae.test.reconstruction)} VAE nats per image).`
      : `The ${recDiff < 0 ? 'AAE' : 'VAE'} reconstructs better: ${fmt(aae.test.reconstruction)} (AAE) against ${fmt(vae.test.reconstruction)} (VAE's reconstruction term) nats per image.`;
    const curve = reconstructionCurve(dir, aae.run);
    const best = Math.min(...curve);
    const shown = curve.map((v) => v.toFixed(1)).join(' → ');
    const trend = curve.length < 2 ? ''
      : curve.every((v, i) => i === 0 || v <= curve[i - 1])
        ? ` The AAE's test reconstruction fell every epoch (${shown}).`
        : curve.at(-1)! <= 1.02 * best
          ? ` The AAE's test reconstruction ended within 2 % of its best epoch (${shown}).`
        : ` Warning: the AAE's test reconstruction rose from its best epoch (${best.toFixed(1)}) to ${curve.at(-1)!.toFixed(1)}; it got worse as it trained.`;
    const mixture = aae.prior === 'gaussian-mixture';
    const look = aaeCloser
      ? (mixture
        ? ' In the latent figures, the AAE\'s codes should sit on the ten components of the ring, each holding a class or two, while the VAE\'s crowd together and leave components nearly empty: the VAE\'s KL term pulls each q(z|x) toward the prior but cannot place the codes on its modes.'
        : ' In the latent figures, look for the holes: places where the prior\'s shading is dark but the VAE leaves gaps between the clusters of classes, which the AAE fills more evenly; samples decoded from such holes are blurs.')
      : mmdFavoursAae !== twoSampleFavoursAae
        ? ' In the latent figures, compare how evenly each model\'s codes fill the prior\'s shading.'
        : ' The AAE did not match this prior better than the VAE in this run; train longer, or see bench/aae-recipe.ts for the defaults measured over several seeds.';
    out.push(`${match} ${rec}${trend}${look}`);
  }
  return out;
}

const NOTES = [
  'Prior match uses one code z ~ q(z|x) per held-out image (a sample of the aggregated posterior q(z)) against as many prior samples. MMD² uses the inverse multiquadratic kernel summed over seven scales; 0 means no detectable difference. The two-sample classifier is a small neural network (two hidden layers of 64 ReLU units), trained on half of each set and scored on the other half.',
  'k-NN accuracy: the label (the digit, on MNIST) of the second half of the held-out images predicted by its 5 nearest codes (means of q(z|x)) among the first half. Chance is one over the number of classes (10 % on MNIST).',
  'A VAE pulls every q(z|x) toward the prior through its KL term; its aggregated posterior tends to leave holes where the prior has mass and to ignore the prior\'s modes. An AAE trains a discriminator on z, so its codes can be pushed to fill any prior it can sample.',
  'Every model is an ordinary run folder next to this report: `latentlab eval <folder>`, `latentlab sample <folder>`, and the web page load them as they are.',
];

function describeSettings(settings: Readonly<Record<string, unknown>>): string {
  const s = settings as { epochs: number; hidden: number[]; seed: number; data: string; trainImages: number; testImages: number; metricImages: number; backend: string };
  const hidden = s.hidden.join('-');
  return `Data: ${s.data} (${s.trainImages} training, ${s.testImages} test images). Encoder ${hidden} → 2-D code, decoder mirrored, same for all four; `
    + `${s.epochs} epochs each, batch 128, seed ${s.seed}, backend ${s.backend}. Prior match and k-NN on the first ${s.metricImages} test images.`;
}

function markdown(rows: readonly CompareRow[], settings: Readonly<Record<string, unknown>>, dir: string): string {
  const t = table(rows);
  const lines = [
    '# VAE vs AAE: how each shapes a 2-D latent space', '',
    describeSettings(settings), '',
    `| ${t.head.join(' | ')} |`, `| ${t.head.map(() => '---').join(' | ')} |`,
    ...t.body.map((r) => `| ${r.join(' | ')} |`), '',
    ...findings(rows, dir).flatMap((f) => [f, '']),
  ];
  for (const label of [...new Set(rows.map((r) => r.priorLabel))]) {
    const pair = rows.filter((r) => r.priorLabel === label);
    lines.push(`## Prior: ${label}`, '', `| ${pair.map((r) => r.model.toUpperCase()).join(' | ')} |`, `| ${pair.map(() => '---').join(' | ')} |`);
    for (const f of FIGURES) {
      const cells = pair.map((r) => (existsSync(path.join(dir, r.run, f.file)) ? `![${r.model} ${f.caption}](${r.run}/${f.file})` : '–'));
      lines.push(`| ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  lines.push('## How to read this', '', ...NOTES.map((n) => `- ${n}`), '');
  return lines.join('\n');
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function embedded(file: string, alt: string): string {
  if (!existsSync(file)) return '<p class="missing">–</p>';
  return `<img alt="${escapeHtml(alt)}" src="data:image/png;base64,${readFileSync(file).toString('base64')}">`;
}

function html(rows: readonly CompareRow[], settings: Readonly<Record<string, unknown>>, dir: string): string {
  const t = table(rows);
  const code = (s: string) => escapeHtml(s).replace(/`([^`]+)`/g, '<code>$1</code>');
  const sections = [...new Set(rows.map((r) => r.priorLabel))].map((label) => {
    const pair = rows.filter((r) => r.priorLabel === label);
    const figureRows = FIGURES.map((f) => `<tr>${pair.map((r) => `<td>${embedded(path.join(dir, r.run, f.file), `${r.model} ${f.caption}`)}<p class="caption">${r.model.toUpperCase()}: ${escapeHtml(f.caption)}</p></td>`).join('')}</tr>`);
    return `<h2>Prior: ${escapeHtml(label)}</h2>\n<table class="figures"><tr>${pair.map((r) => `<th>${r.model.toUpperCase()} <span class="run">${escapeHtml(r.run)}/</span></th>`).join('')}</tr>\n${figureRows.join('\n')}</table>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>VAE vs AAE — LatentLab comparison</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 1360px; margin: 2rem auto; padding: 0 1rem; color: #222; }
table.metrics { border-collapse: collapse; margin: 1rem 0; } table.metrics th, table.metrics td { border-bottom: 1px solid #ddd; padding: .35rem .7rem; text-align: right; }
table.metrics th { background: #f5f5f5; font-weight: 600; } table.metrics td:nth-child(-n+2), table.metrics th:nth-child(-n+2) { text-align: left; }
table.figures td { vertical-align: top; padding: .5rem; } table.figures img { max-width: 640px; width: 100%; image-rendering: pixelated; }
.caption { color: #666; font-size: 13px; margin: .2rem 0 1rem; } .run { color: #888; font-weight: normal; font-size: 13px; } .settings { color: #444; }
</style></head><body>
<h1>VAE vs AAE: how each shapes a 2-D latent space</h1>
<p class="settings">${escapeHtml(describeSettings(settings))}</p>
<table class="metrics"><tr>${t.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>
${t.body.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n')}</table>
${findings(rows, dir).map((f) => `<p>${escapeHtml(f)}</p>`).join('\n')}
${sections.join('\n')}
<h2>How to read this</h2>
<ul>${NOTES.map((n) => `<li>${code(n)}</li>`).join('')}</ul>
</body></html>
`;
}

/** Writes report.md and report.html into `dir`; returns their paths. */
export function writeReport(dir: string, rows: readonly CompareRow[], settings: Readonly<Record<string, unknown>>): { markdown: string; html: string } {
  const md = path.join(dir, 'report.md');
  const page = path.join(dir, 'report.html');
  writeFileAtomic(md, markdown(rows, settings, dir));
  writeFileAtomic(page, html(rows, settings, dir));
  return { markdown: md, html: page };
}
