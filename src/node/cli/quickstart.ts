import path from 'node:path';
import { Command, Option } from 'commander';
import pc from 'picocolors';
import { BACKENDS, type BackendChoice } from '../backend.js';
import { compare, QUICK_EPOCHS, serveCommandFor } from './compare.js';
import { intArg } from './options.js';

interface QuickstartFlags { epochs?: number; backend: BackendChoice; out: string }

export function quickstartCommand(): Command {
  return new Command('quickstart')
    .description(`the tour (what \`npm start\` runs): the quick VAE / AAE / WAE comparison on MNIST — six 2-D models, ${QUICK_EPOCHS} epochs each, a report with every figure`)
    .option('--epochs <n>', `epochs per model (default ${QUICK_EPOCHS})`, intArg(1))
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .option('--out <dir>', 'parent folder for the comparison folder', 'runs')
    .action(async (flags: QuickstartFlags) => {
      process.stdout.write(`${pc.bold('LatentLab quickstart')}: how a VAE, an adversarial and a Wasserstein autoencoder shape a 2-D latent space, on MNIST (60,000 training images).\n`);
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
      const result = await compare({
        epochs: flags.epochs ?? QUICK_EPOCHS, hidden: [512, 256], seed: 1, data: 'mnist', metricImages: 2000,
        backend: flags.backend, out: flags.out, name: `quickstart-${stamp}`,
      }, { serveHint: false });
      process.stdout.write(`\nOpen ${pc.bold(result.reports.html)} in a browser to see the six latent spaces side by side.
Explore the six models in the browser (pointer over the latent plane, two runs side by side): ${pc.cyan(serveCommandFor(result))}
(the page lists every run in ${path.dirname(result.dir)}; these six under ${path.basename(result.dir)}/)
Next: ${pc.cyan('npx latentlab compare')} (the full comparison, 10 epochs each) · ${pc.cyan('npx latentlab train --help')} · ${pc.cyan(`npx latentlab eval ${result.dir}/vae-gaussian --iw 100 --limit 1000`)}\n`);
    });
}
