/**
 * The `latentlab` command line. Commands are thin: flags → config → library
 * call. Every failure goes through the error boundary
 * (../error-boundary.ts), here, in one place: one message and exit code 1
 * for what a user can fix, 2 for command-line syntax, a short stack and 70
 * for a bug.
 */
import { Command, CommanderError } from 'commander';
import pc from 'picocolors';
import { describeFailure } from '../error-boundary.js';
import { VERSION } from '../version.js';
import { compareCommand } from './compare.js';
import { decodeCommand } from './decode.js';
import { encodeCommand } from './encode.js';
import { evalCommand } from './eval.js';
import { exportCommand } from './export.js';
import { importCommand } from './import.js';
import { quickstartCommand } from './quickstart.js';
import { reproduceCommand } from './reproduce.js';
import { sampleCommand } from './sample.js';
import { scoreCommand } from './score.js';
import { serveCommand } from './serve.js';
import { trainCommand } from './train.js';

export function buildProgram(): Command {
  const program = new Command('latentlab')
    .description('LatentLab — variational and adversarial autoencoders on TensorFlow.js: train, compare, evaluate, sample, export, explore in the browser')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `
Start here:
  npm start                      quick tour: VAE, AAE and WAE on MNIST, a report with every figure (a few minutes)
  latentlab train --help         all training options (--model aae, --prior, --labels …)
  latentlab compare --help       the full VAE / AAE / WAE comparison
  latentlab serve                the web page: explore, compare and watch runs in ./runs
  latentlab encode / decode      codes of your data, and data from codes (CSV, .npy)
  latentlab score                anomaly scores per example; AUROC when anomalies are known
Run folders land in ./runs/<name>/ (config, manifest, metrics.jsonl, checkpoints, figures).`);
  for (const command of [quickstartCommand(), trainCommand(), compareCommand(), reproduceCommand(), evalCommand(), sampleCommand(), encodeCommand(), decodeCommand(), scoreCommand(), exportCommand(), importCommand(), serveCommand()]) {
    command.showHelpAfterError('(run with --help for usage)');
    program.addCommand(command);
  }
  return program;
}

/** Prints a failure as the error boundary describes it and returns its exit code. */
export function reportFailure(e: unknown): number {
  const { message, exitCode } = describeFailure(e);
  process.stderr.write(`${pc.red('latentlab: error:')} ${message}\n`);
  return exitCode;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram().exitOverride();
  const override = (c: Command): void => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  program.commands.forEach(override);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    return reportFailure(e);
  }
}

