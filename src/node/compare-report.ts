/**
 * The comparison's report, written twice from one outline: report.md (figures
 * linked from the run folders beside it) and report.html (one self-contained
 * file, figures embedded as data URIs).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { WaeSchema } from '../core/config/schema.js';
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
  return [...new Set(rows.map((r) => r.priorLabel))].flatMap((label) => {
    const prior = rows.filter((r) => r.priorLabel === label);
    return [vaeAaeFinding(prior, dir), waeFinding(prior, dir)].filter((f): f is string => f !== undefined);
  });
}

/** The VAE against the AAE on one prior (undefined unless both are there). */
function vaeAaeFinding(rows: readonly CompareRow[], dir: string): string | undefined {
  const label = rows[0].priorLabel;
  const vae = rows.find((r) => r.model === 'vae');
  const aae = rows.find((r) => r.model === 'aae');
  if (!vae || !aae) return undefined;
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
  const trend = trendSentence(dir, aae);
  const mixture = aae.prior === 'gaussian-mixture';
  const look = aaeCloser
    ? (mixture
      ? ' In the latent figures, the AAE\'s codes should sit on the ten components of the ring, each holding a class or two, while the VAE\'s crowd together and leave components nearly empty: the VAE\'s KL term pulls each q(z|x) toward the prior but cannot place the codes on its modes.'
      : ' In the latent figures, look for the holes: places where the prior\'s shading is dark but the VAE leaves gaps between the clusters of classes, which the AAE fills more evenly; samples decoded from such holes are blurs.')
    : mmdFavoursAae !== twoSampleFavoursAae
      ? ' In the latent figures, compare how evenly each model\'s codes fill the prior\'s shading.'
      : ' The AAE did not match this prior better than the VAE in this run; train longer, or see bench/aae-recipe.ts for the defaults measured over several seeds.';
  return `${match} ${rec}${trend}${look}`;
}

/** " The AAE's test reconstruction fell every epoch (…)." — or ended near its best, or rose (a warning); '' with one epoch. */
function trendSentence(dir: string, row: CompareRow): string {
  const who = row.model.toUpperCase();
  const curve = reconstructionCurve(dir, row.run);
  const best = Math.min(...curve);
  const shown = curve.map((v) => v.toFixed(1)).join(' → ');
  return curve.length < 2 ? ''
    : curve.every((v, i) => i === 0 || v <= curve[i - 1])
      ? ` The ${who}'s test reconstruction fell every epoch (${shown}).`
      : curve.at(-1)! <= 1.02 * best
        ? ` The ${who}'s test reconstruction ended within 2 % of its best epoch (${shown}).`
        : ` Warning: the ${who}'s test reconstruction rose from its best epoch (${best.toFixed(1)}) to ${curve.at(-1)!.toFixed(1)}; it got worse as it trained.`;
}

const ORDINALS = ['first', 'second', 'third', 'fourth'];
const NUMBER_WORDS: Record<number, string> = { 2: 'two', 3: 'three', 4: 'four', 5: 'five', 6: 'six' };

/**
 * The WAE beside the others on one prior: where it ranks by each measure of
 * prior match (a claim of "most" or "least closely" only when both agree),
 * how its reconstruction compares, its trend, and what to look for.
 */
function waeFinding(rows: readonly CompareRow[], dir: string): string | undefined {
  const wae = rows.find((r) => r.model === 'wae');
  const others = rows.filter((r) => r.model !== 'wae');
  if (!wae || !others.length) return undefined;
  const count = rows.length;
  const all = count === 3 ? 'of the three' : `of the ${count}`;
  const rank = (pick: (r: CompareRow) => number) => 1 + others.filter((o) => pick(o) < pick(wae)).length;
  const [byMmd, byTwoSample] = [rank((r) => r.latent.mmd), rank((r) => r.latent.twoSample)];
  const numbers = rows.map((r) => `${r.model.toUpperCase()} ${fmt(r.latent.mmd, 3)} and ${pct(r.latent.twoSample)}`).join('; ');
  const label = wae.priorLabel;
  const match = byMmd === 1 && byTwoSample === 1
    ? `With the prior ${label}, the WAE's codes match it most closely ${all} by both measures`
    : byMmd === count && byTwoSample === count
      ? `With the prior ${label}, the WAE's codes match it least closely ${all} by both measures`
      : byMmd === byTwoSample
        ? `With the prior ${label}, the WAE's codes rank ${ORDINALS[byMmd - 1]} ${all} by both measures`
        : `With the prior ${label}, the two measures rank the WAE's codes differently: ${ORDINALS[byMmd - 1]} ${all} by MMD², ${ORDINALS[byTwoSample - 1]} by the two-sample classifier`;
  const bestRec = Math.min(...rows.map((r) => r.test.reconstruction));
  const recs = others.map((r) => `${fmt(r.test.reconstruction)} ${r.model.toUpperCase()}`).join(', ');
  const rec = wae.test.reconstruction === bestRec
    ? `It reconstructs best ${all}: ${fmt(wae.test.reconstruction)} nats per image (${recs}).`
    : wae.test.reconstruction <= 1.02 * bestRec
      ? `It reconstructs within 2 % of the best: ${fmt(wae.test.reconstruction)} nats per image (${recs}).`
      : `It reconstructs worse than the best: ${fmt(wae.test.reconstruction)} nats per image (${recs}).`;
  const look = wae.prior === 'gaussian-mixture'
    ? ' In the latent figures, see whether its codes sit on the ten components of the ring, as a matched model\'s should, or spread between them.'
    : ' In the latent figures, compare how evenly the three models\' codes fill the prior\'s shading.';
  return `${match} (MMD² and two-sample accuracy: ${numbers}). ${rec}${trendSentence(dir, wae)}${look}`;
}

const WAE_DEFAULTS = WaeSchema.parse({});

const NOTES = [
  'Prior match uses one code z ~ q(z|x) per held-out image (a sample of the aggregated posterior q(z)) against as many prior samples. MMD² uses the inverse multiquadratic kernel summed over seven scales; 0 means no detectable difference. The two-sample classifier is a small neural network (two hidden layers of 64 ReLU units), trained on half of each set and scored on the other half.',
  'k-NN accuracy: the label (the digit, on MNIST) of the second half of the held-out images predicted by its 5 nearest codes (means of q(z|x)) among the first half. Chance is one over the number of classes (10 % on MNIST).',
  `A VAE pulls every q(z|x) toward the prior through its KL term; its aggregated posterior tends to leave holes where the prior has mass and to ignore the prior's modes. An AAE trains a discriminator on z, so its codes can be pushed to fill any prior it can sample. A WAE (WAE-MMD) does the same without an adversary: each batch's codes are pulled toward as many prior samples by λ·MMD² with the same kind of kernel as the MMD² column (λ = ${WAE_DEFAULTS.mmdWeight}, its scale set by the prior's spread), so it trains one phase and cannot lose a game with a discriminator, but sees only what the kernel can tell apart in a batch.`,
  'Every model is an ordinary run folder next to this report: `latentlab eval <folder>`, `latentlab sample <folder>`, and the web page load them as they are.',
];

/** "VAE, AAE and WAE: how each shapes a 2-D latent space" (the models compared, in column order). */
function title(rows: readonly CompareRow[]): string {
  const names = [...new Set(rows.map((r) => r.model.toUpperCase()))];
  const listed = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names.join('');
  return `${listed}: how each shapes a 2-D latent space`;
}

function describeSettings(settings: Readonly<Record<string, unknown>>, models: number): string {
  const s = settings as { epochs: number; hidden: number[]; seed: number; data: string; trainImages: number; testImages: number; metricImages: number; backend: string };
  const hidden = s.hidden.join('-');
  return `Data: ${s.data} (${s.trainImages} training, ${s.testImages} test images). Encoder ${hidden} → 2-D code, decoder mirrored, same for all ${NUMBER_WORDS[models] ?? models}; `
    + `${s.epochs} epochs each, batch 128, seed ${s.seed}, backend ${s.backend}. Prior match and k-NN on the first ${s.metricImages} test images.`;
}

function markdown(rows: readonly CompareRow[], settings: Readonly<Record<string, unknown>>, dir: string): string {
  const t = table(rows);
  const lines = [
    `# ${title(rows)}`, '',
    describeSettings(settings, rows.length), '',
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
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title(rows))} — LatentLab comparison</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 1360px; margin: 2rem auto; padding: 0 1rem; color: #222; }
table.metrics { border-collapse: collapse; margin: 1rem 0; } table.metrics th, table.metrics td { border-bottom: 1px solid #ddd; padding: .35rem .7rem; text-align: right; }
table.metrics th { background: #f5f5f5; font-weight: 600; } table.metrics td:nth-child(-n+2), table.metrics th:nth-child(-n+2) { text-align: left; }
table.figures { width: 100%; table-layout: fixed; } table.figures td { vertical-align: top; padding: .5rem; } table.figures img { max-width: 640px; width: 100%; image-rendering: pixelated; }
.caption { color: #666; font-size: 13px; margin: .2rem 0 1rem; } .run { color: #888; font-weight: normal; font-size: 13px; } .settings { color: #444; }
</style></head><body>
<h1>${escapeHtml(title(rows))}</h1>
<p class="settings">${escapeHtml(describeSettings(settings, rows.length))}</p>
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
