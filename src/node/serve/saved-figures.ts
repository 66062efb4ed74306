/**
 * Figures for a run saved from the page: the page posts numbers and weights
 * only, so once the folder is written (and the page answered) the server
 * draws the figures `latentlab train` would have (run-figures.ts): the run's
 * model from its checkpoint (load-run.ts), its test split (an uploaded run
 * uses the embedded MNIST; save-run.ts), each figure written atomically, so
 * that the live list announces each as it lands.
 *
 * TF.js starts in the server process on the first save, on the backend the
 * CLI picks by default; runs are drawn one at a time. A failure is one line
 * on stderr and leaves the run as it was saved.
 */
import { UserError } from '../errors.js';

export class SavedRunFigures {
  private queue: Promise<void> = Promise.resolve();
  private backend: Promise<string> | undefined;

  /** Draws the figures of run folder `dir` after those asked for before; the promise never rejects. */
  draw(dir: string, name: string): Promise<void> {
    const job = this.queue.then(() => this.render(dir)).catch((e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      process.stderr.write(`latentlab serve: no figures for the saved run ${name}: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    });
    this.queue = job;
    return job;
  }

  /** Resolves once every figure asked for so far is drawn (or has failed). */
  idle(): Promise<void> {
    return this.queue;
  }

  private async render(dir: string): Promise<void> {
    // Loaded on the first save only: serving the page needs none of it.
    const [{ initBackend }, { loadRunModel }, { writeRunFigures }, { dataOptions, loadTrainingSplits }, { isStreamed, materialize, take, withImageShape }] = await Promise.all([
      import('../backend.js'), import('../load-run.js'), import('../run-figures.js'), import('../datasets.js'), import('../../core/data/dataset.js'),
    ]);
    this.backend ??= initBackend('auto');
    try {
      await this.backend;
    } catch (e) {
      this.backend = undefined; // tried again on the next save
      throw e;
    }
    const { run, model } = await loadRunModel(dir);
    try {
      // save-run.ts accepts the embedded data only; a folder edited since is not read from elsewhere.
      if (run.config.data.source !== 'mnist') throw new UserError(`${dir}: its data is ${JSON.stringify(run.config.data.source)}, not the embedded MNIST`);
      const loaded = loadTrainingSplits(run.config.data.source, dataOptions(run.config.data));
      const test = withImageShape(loaded.test, run.manifest.data.shape);
      writeRunFigures(dir, model, isStreamed(test) ? materialize(take(test, 2000)) : test, run.metrics);
    } finally {
      model.dispose();
    }
  }
}
