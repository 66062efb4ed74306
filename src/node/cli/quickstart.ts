import path from 'node:path';
import { Command, Option } from 'commander';
import pc from 'picocolors';
import { BACKENDS, type BackendChoice } from '../backend.js';
import { printRunSummary, runTrain } from './train.js';
import { intArg } from './options.js';

interface QuickstartFlags { epochs?: number; backend: BackendChoice; out: string }

export function quickstartCommand(): Command {
  return new Command('quickstart')
    .description('the tour (what `npm start` runs): a 2-D VAE on MNIST, every figure, a few minutes on 2 cores')
    .option('--epochs <n>', 'epochs (default 5, from presets/quick.json)', intArg(1))
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .option('--out <dir>', 'parent folder for the run folder', 'runs')
    .action(async (flags: QuickstartFlags) => {
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
      process.stdout.write(`${pc.bold('LatentLab quickstart')}: a VAE with a 2-D latent on MNIST (60,000 training images) — about 20 s per epoch, under 2 minutes in all on 2 cores.\n`);
      const result = await runTrain({ preset: 'quick', epochs: flags.epochs, backend: flags.backend, out: flags.out, name: `quickstart-${stamp}` });
      printRunSummary(result);
      process.stdout.write(`\nOpen ${path.join(result.dir, 'manifold.png')} and latent.png to see what the latent plane learned,\nor explore it in the browser: npx latentlab serve ${flags.out}\n`);
    });
}
