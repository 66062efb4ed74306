/**
 * Saves a run trained in the browser into the runs folder. The page posts
 * JSON {name, files: {relative path: base64}} holding the files of a run
 * folder (config.json, manifest.json, metrics.jsonl, checkpoints/…); only the
 * run-folder layout's file names are accepted (core/io/run-layout.ts, with
 * the nets of the registered families), the posted files must read as a run
 * (readRun: config, manifest, checkpoint pointer, metrics) with the nets
 * its checkpoint needs, and the folder appears whole or not at all.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FileMap } from '../../core/io/layers-io.js';
import { resolveStoredConfig } from '../../core/config/resolve.js';
import { fileMapStore, isRunFile, netFile, readRun, REQUIRED_RUN_FILES, RUN_FILES, RunFolderError, verifyRun } from '../../core/io/run-layout.js';
import { modelFamilies, modelFamily } from '../../core/models/registry.js';
import { utf8Decode } from '../../core/util/text.js';
import { writeDirAtomic } from '../fs-atomic.js';
import { HttpError } from './http-util.js';
import { isRunName } from './runs.js';

/** Every net name any model family saves: an upload may hold these and no others. */
const NET_NAMES = [...new Set(Object.values(modelFamilies).flatMap((f) => f.possibleNetNames))];

const utf8 = (data: FileMap[string]) => (typeof data === 'string' ? data : utf8Decode(data));

function decodeFiles(files: unknown): FileMap {
  if (typeof files !== 'object' || files === null) throw new HttpError(400, 'files: expected an object of path → base64 contents');
  const out: FileMap = {};
  for (const [name, b64] of Object.entries(files)) {
    if (!isRunFile(name, NET_NAMES)) throw new HttpError(400, `files: ${name} is not part of a run folder`);
    if (typeof b64 !== 'string') throw new HttpError(400, `files: ${name} must be base64 text`);
    out[name] = new Uint8Array(Buffer.from(b64, 'base64'));
  }
  for (const required of [...REQUIRED_RUN_FILES, RUN_FILES.latest]) {
    if (!(required in out)) throw new HttpError(400, `files: ${required} is missing`);
  }
  return out;
}

/** Writes the posted run as `runsDir/<name>`; returns the name. */
export async function saveRun(runsDir: string, body: Buffer): Promise<string> {
  let parsed: { name?: unknown; files?: unknown };
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body must be JSON {name, files}');
  }
  const { name } = parsed;
  if (typeof name !== 'string' || !isRunName(name)) throw new HttpError(400, 'name: letters, digits, ".", "_" and "-" only');
  const files = decodeFiles(parsed.files);
  let config;
  try {
    config = resolveStoredConfig(JSON.parse(utf8(files['config.json'])), 'config.json');
  } catch (e) {
    throw new HttpError(400, `config.json: ${(e as Error).message}`);
  }
  // The server later reads the files a run's config names (its data, a prior's samples): an uploaded run
  // may only name the embedded MNIST, never a path, so it cannot make the server read files elsewhere.
  if (config.data.source !== 'mnist') throw new HttpError(400, `config.json: an uploaded run must use the embedded data ("mnist"), not ${JSON.stringify(config.data.source)}`);
  if (config.prior.kind === 'samples') throw new HttpError(400, 'config.json: an uploaded run cannot use a prior given by a file');
  // Then the same reader as every run folder on disk (core/io/run-layout.ts), over the posted files: nothing is written unless it reads.
  let checkpoint;
  try {
    const store = fileMapStore(name, files);
    const run = readRun(store);
    checkpoint = run.checkpoint;
    await verifyRun(store, run, modelFamily(config).netNames(config));
  } catch (e) {
    if (e instanceof RunFolderError) throw new HttpError(400, e.message);
    throw e;
  }
  for (const net of modelFamily(config).netNames(config)) {
    for (const file of ['model.json', 'weights.bin'] as const) {
      if (!(netFile(checkpoint!.path, net, file) in files)) throw new HttpError(400, `files: ${netFile(checkpoint!.path, net, file)} is missing (the checkpoint that checkpoints/latest.json names)`);
    }
  }
  const dir = path.join(runsDir, name);
  if (existsSync(dir)) throw new HttpError(409, `a run named ${name} already exists`);
  writeDirAtomic(dir, files);
  return name;
}
