/**
 * Training in the page: a small model on a subset of MNIST, with the same
 * core code the CLI runs (resolveConfig → buildModel → the family's phases →
 * fit). Curves update live; afterwards the model can be explored, downloaded
 * as a zipped run folder, or saved into the server's runs folder.
 */
import { resolveConfig } from '../core/config/resolve.js';
import type { Config } from '../core/config/schema.js';
import { buildModel, headlineTerm, modelFamily } from '../core/models/registry.js';
import { fit, type EpochRecord, type FitOptions } from '../core/training/fit.js';
import type { Autoencoder } from '../core/models/types.js';
import { loadImages, type RunDetail } from './api.js';
import { Curves } from './curves.js';
import { errorBox, h } from './dom.js';
import { hashFor, type ViewScope } from './nav.js';
import { runFolderFiles, saveToServer } from './run-files.js';
import { adoptModel } from './session.js';
import { zipStore } from './zip.js';
import { makeDataset } from '../core/data/dataset.js';

function field(label: string, input: HTMLInputElement | HTMLSelectElement): HTMLElement {
  return h('label', { class: 'field' }, label, input);
}

function numberInput(name: string, value: number, min: number, max: number): HTMLInputElement {
  return h('input', { type: 'number', name, value: String(value), min: String(min), max: String(max) });
}

export function trainView(backend: string, scope: ViewScope): HTMLElement {
  const inputs = {
    model: h('select', { name: 'model' }, h('option', { value: 'vae' }, 'VAE'), h('option', { value: 'aae' }, 'AAE'), h('option', { value: 'wae' }, 'WAE')),
    trainLimit: numberInput('train', 5000, 256, 20000),
    epochs: numberInput('epochs', 3, 1, 50),
    latentDim: numberInput('latent', 2, 1, 16),
    hidden: numberInput('hidden', 256, 8, 1024),
  };
  const start = h('button', { type: 'submit' }, 'Train');
  const form = h('form', { class: 'train-form' }, field('model', inputs.model), field('training images', inputs.trainLimit),
    field('epochs', inputs.epochs), field('latent dim', inputs.latentDim), field('hidden units', inputs.hidden), start);
  const out = h('div', { class: 'train-output' });
  const view = h('div', { class: 'view train-view' }, h('p', { class: 'muted' },
    `A small model on the first MNIST training images, trained here on the ${backend} backend; 1000 test images are evaluated after each epoch.`), form, out);
  let stopped = false;
  scope.onLeave(() => (stopped = true));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    let config: Config;
    try {
      config = readForm(inputs);
    } catch (err) {
      out.replaceChildren(errorBox((err as Error).message));
      return;
    }
    start.disabled = true;
    train(config, backend, out, () => stopped)
      .catch((err: Error) => out.append(errorBox(err.message)))
      .finally(() => (start.disabled = false));
  });
  return view;
}

/** The form's values as a resolved config (a ConfigError names the bad field). */
function readForm(inputs: Record<'model' | 'trainLimit' | 'epochs' | 'latentDim' | 'hidden', HTMLInputElement | HTMLSelectElement>): Config {
  const trainLimit = Number(inputs.trainLimit.value);
  if (!(trainLimit <= 20000)) throw new Error(`training images: at most 20000 in the page, got ${inputs.trainLimit.value}`);
  return resolveConfig({
    model: inputs.model.value as Config['model'], latentDim: Number(inputs.latentDim.value),
    encoder: { hidden: [Number(inputs.hidden.value)] }, decoder: { hidden: [Number(inputs.hidden.value)] },
    data: { source: 'mnist', trainLimit, testLimit: 1000 },
    train: { epochs: Number(inputs.epochs.value) },
  }, 'the form');
}

/** `fit`, freeing the model's tensors when training fails or is stopped. */
async function runFit(options: FitOptions, model: Autoencoder): Promise<void> {
  try {
    await fit(options);
  } catch (e) {
    model.dispose();
    throw e;
  }
}

async function train(config: Config, backend: string, out: HTMLElement, stopped: () => boolean): Promise<void> {
  const curves = new Curves();
  out.replaceChildren(curves.element);
  curves.setStatus('loading MNIST…');
  const [trainSet, testSet] = await Promise.all([loadImages('train', config.data.trainLimit!), loadImages('test', config.data.testLimit!)]);
  const train = makeDataset('mnist/train', trainSet.shape, trainSet.x, trainSet.labels ?? undefined);
  const test = makeDataset('mnist/test', testSet.shape, testSet.x, testSet.labels ?? undefined);
  const model = buildModel(config, train.shape);
  const family = modelFamily(config);
  const phases = family.phases(model, { stepsPerEpoch: Math.ceil(train.size / config.train.batchSize), train });
  const records: EpochRecord[] = [];
  await runFit({
    model, family, phases, train, test, epochs: config.train.epochs,
    onProgress: (epoch, p) => {
      if (stopped()) throw new Error('training stopped: the page left the Train view');
      curves.addProgress({ epoch, ...p });
      curves.setStatus(`epoch ${epoch}/${config.train.epochs}: batch ${p.batch}/${p.batches}`);
    },
    onEpochEnd: (r) => {
      records.push(r);
      curves.addEpoch(r);
    },
  }, model);
  const last = records.at(-1)!;
  const { key, label } = headlineTerm(last.test);
  curves.setStatus(`done: ${records.length} epoch${records.length === 1 ? '' : 's'}, test ${label} ${last.test[key].toFixed(2)} nats per image`);
  const name = `web-${config.model}-z${config.latentDim}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`;
  const data = { source: 'mnist', shape: train.shape as number[], train: train.size, test: test.size, numClasses: train.numClasses };
  const files = await runFolderFiles({ model, phases, records, backend, data });
  const detail: RunDetail = {
    name, config, manifest: { dataDim: model.dataDim, latentDim: model.latentDim, data, backend, created: new Date().toISOString() },
    checkpoint: { epoch: last.epoch, step: last.step, path: '' }, metrics: records, figures: [], nets: {},
  };
  await adoptModel(name, detail, model, testSet);
  const zip = URL.createObjectURL(new Blob([zipStore(Object.fromEntries(Object.entries(files).map(([k, v]) => [`${name}/${k}`, v])))], { type: 'application/zip' }));
  const saveButton = h('button', { type: 'button' }, 'Save into the runs folder');
  const saved = h('span', { class: 'muted' });
  saveButton.addEventListener('click', () => {
    saveButton.disabled = true;
    saveToServer(name, files).then(() => saved.replaceChildren('saved as ', h('a', { href: hashFor({ view: 'runs', run: name }) }, name)))
      .catch((err: Error) => {
        saved.textContent = err.message;
        saveButton.disabled = false;
      });
  });
  out.append(h('p', { class: 'actions' },
    h('a', { href: hashFor({ view: 'explore', run: name }) }, 'Explore this model'), ' · ',
    h('a', { href: zip, download: `${name}.zip` }, 'Download the run (.zip)'), ' · ', saveButton, ' ', saved));
}
