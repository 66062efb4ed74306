import type { Autoencoder } from '../core/models/types.js';
import { modelFamily } from '../core/models/registry.js';
import { UserError } from './errors.js';
import { loadPriorResources } from './prior-file.js';
import { loadCheckpointNets, openRunFolder, type OpenedRun } from './run-folder.js';

/** Opens a run folder and rebuilds its model from the latest checkpoint. */
export async function loadRunModel(dir: string): Promise<{ run: OpenedRun; model: Autoencoder }> {
  const run = openRunFolder(dir);
  if (!run.checkpoint) throw new UserError(`${dir}: the run has no checkpoint yet (it stopped before finishing its first epoch)`);
  const family = modelFamily(run.config);
  const nets = await loadCheckpointNets(run, run.checkpoint);
  return { run, model: family.create(run.config, run.manifest.data.shape, nets, loadPriorResources(run.config)) };
}
