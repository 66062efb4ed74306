import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import pc from 'picocolors';
import { BACKENDS, initBackend, type BackendChoice } from '../backend.js';
import { reproducePlan, reproduceSeconds, runReproduce, VAE_BUDGET_HOURS, type PaperName } from '../reproduce.js';
import { floatArg, intArg } from './options.js';

interface ReproduceFlags { quick?: boolean; epochs?: number; hours?: number; seed: number; backend: BackendChoice; out: string; quiet?: boolean }

async function run(paper: PaperName, flags: ReproduceFlags): Promise<void> {
  const backend = await initBackend(flags.backend);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const dir = path.join(flags.out, `reproduce-${paper}${flags.quick ? '-quick' : ''}-${stamp}`);
  const { table } = await runReproduce({ paper, dir, backend, quick: !!flags.quick, epochs: flags.epochs, hours: flags.hours, seed: flags.seed, quiet: flags.quiet });
  process.stdout.write(`\n${table}\n${pc.bold('written')} ${path.join(dir, 'table.md')}\n`);
}

/** The most --hours: each row's epochs stay within a config's limit (100,000; the ELBO row's at 9 s each: 250 hours). */
const MAX_HOURS = 200;

function hoursArg(value: string): number {
  const hours = floatArg(0, { exclusive: true })(value);
  if (hours > MAX_HOURS) throw new InvalidArgumentError(`must be at most ${MAX_HOURS} (hours per run), got ${hours}`);
  return hours;
}

/** The full `reproduce vae` runs' epochs as the plan sets them, one line each. */
function vaeBudgets(): string {
  const names = ['the ELBO VAE', 'then on L_50', 'the VampPrior VAE', 'the two-layer IWAE'];
  return reproducePlan({ paper: 'vae', dir: '', backend: 'cpu', quick: false, seed: 1 }).map(({ config, lrDrop }, i) =>
    `  ${(names[i] ?? `run ${i + 1}`).padEnd(20)} ${String(config.train.epochs).padStart(4)} epochs${lrDrop ? ` (a tenth of the rate from epoch ${lrDrop})` : ''}`).join('\n');
}

export function reproduceCommand(): Command {
  const aae = new Command('aae')
    .description("the adversarial autoencoder paper's MNIST results: semi-supervised (100 and 1000 labels), clustering (16 clusters), Parzen log-likelihood of the AAE and of a VAE of the same size")
    .option('--quick', 'small nets, 5,000 images, 1 epoch each: checks the machinery in a few minutes (figures not comparable)')
    .option('--epochs <n>', "epochs for every run of the full version (default: each run's measured budget, 5–18; the paper trains for thousands)", intArg(1))
    .option('--seed <n>', 'random seed for every run', intArg(0), 1)
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .option('--out <dir>', 'parent folder of the reproduction folder', 'runs')
    .option('-q, --quiet', 'no progress output')
    .addHelpText('after', `
Writes <out>/reproduce-aae-<time>/: one run folder per experiment, table.md
(ours, the paper's, the command, the wall time) and table.json.

Time: --quick takes a few minutes. The full version trains five models with
1000-1000 nets on all of MNIST: semi-supervised 18 epochs each (every rate a
tenth from epoch 15), clustering 10 (drop at 8), the Parzen pair 5 each —
the budgets of the figures in the README, about 4.5 hours on 2 cores; it
prints its estimate before it starts.`)
    .action(async (flags: ReproduceFlags) => run('aae', flags));
  const vae = new Command('vae')
    .description('the likelihood race on dynamically binarised MNIST: test NLL (K = 5000) of the IWAE paper\'s VAE trained on the ELBO and then on the IWAE bound (k = 50), of its two-stochastic-layer VAE (k = 50), and of a VAE with a VampPrior, beside the published figures')
    .option('--quick', 'small nets, 5,000 images, 2 epochs each, −L_100 on 500 test images: checks the machinery in a few minutes (figures not comparable)')
    .option('--epochs <n>', 'epochs for every run (default: each run\'s budget of --hours on 2 cores)', intArg(1))
    .addOption(new Option('--hours <h>', `each run's training budget in hours on 2 cores, which sets its epochs from their measured cost (default ${VAE_BUDGET_HOURS}, at most ${MAX_HOURS}; e.g. 4 or 0.5)`).argParser(hoursArg).conflicts(['epochs', 'quick']))
    .option('--seed <n>', 'random seed for every run', intArg(0), 1)
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .option('--out <dir>', 'parent folder of the reproduction folder', 'runs')
    .option('-q, --quiet', 'no progress output')
    .addHelpText('after', () => `
Writes <out>/reproduce-vae-<time>/: one run folder per row, table.md (ours,
the published figure, the command, the epochs, the wall time) and table.json.

Time: --quick takes a few minutes. The full version trains four models on
all of MNIST for a budget of about an hour each on 2 cores (--hours sets
another; --hours 4: four times the epochs):
${vaeBudgets()}
then bounds each with 5000 importance samples on the 10,000 test images
(8–15 minutes each): about ${(reproduceSeconds({ paper: 'vae', dir: '', backend: 'cpu', quick: false, seed: 1 }) / 3600).toFixed(1)} hours; it prints its estimate before it starts. The papers train for
thousands of epochs: with an hour each, expect a few nats above them; the
README's "likelihood race" section has the curves and what longer runs gain.

The IWAE row goes on from the ELBO row's trained nets (train --preset
iwae-finetune --init-from <the ELBO row's run>), which reached a better
bound in less time than L_50 from scratch (README), with the doubly
reparameterised encoder gradient (--iw-gradient dreg): the same bound, a
less noisy gradient, 0.16–0.19 nats better at the same epochs (one seed;
README). Every row trains its last tenth of epochs at a tenth of its rate.`)
    .action(async (flags: ReproduceFlags) => run('vae', flags));
  return new Command('reproduce')
    .description("reproduce a paper's results as run folders and a table (aae: Makhzani et al. 2015; vae: Burda et al. 2015, Tomczak & Welling 2018)")
    .addCommand(aae).addCommand(vae);
}
