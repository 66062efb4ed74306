/**
 * The data formats `--data` reads (src/node/datasets.ts and src/node/data/):
 * .npy, .npz, CSV, image folders and IDX beyond MNIST's layout, each on
 * valid data written here and on broken variants, which must be one
 * DataError/UserError naming the file and what is wrong.
 */
import { strict as assert } from 'node:assert';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createCanvas } from '@napi-rs/canvas';
import { strToU8, zipSync } from 'fflate';
import { encode as encodePng } from 'fast-png';
import { encodeIdx } from '../src/core/data/idx.js';
import { encodeNpy, parseNpy } from '../src/core/data/npy.js';
import { DataError } from '../src/core/data/errors.js';
import { UserError } from '../src/node/errors.js';
import { loadDataSplits, loadExamples, loadTrainingSplits } from '../src/node/datasets.js';
import { batches, byteDataset, concatSource, isStreamed, makeDataset, readRows, withImageShape } from '../src/core/data/dataset.js';
import { destandardize } from '../src/node/data/tabular.js';
import { describeRun, hasStackTrace, makeTempDir, readJson, runCli } from './helpers/cli.js';

const tmp = makeTempDir('latentlab-data-');
after(() => tmp.remove());
const at = (...parts: string[]) => path.join(tmp.dir, ...parts);

/** The error `fn` throws: a DataError or UserError whose message matches every pattern. */
function refuses(fn: () => unknown, patterns: readonly RegExp[]): string {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error, 'expected an error, got a result');
  assert.ok(error instanceof DataError || error instanceof UserError, `expected a DataError or UserError, got ${(error as Error)?.stack}`);
  const message = (error as Error).message;
  for (const p of patterns) assert.match(message, p);
  assert.ok(!message.includes('\n'), `one line: ${JSON.stringify(message)}`);
  return message;
}

/** A .npy file's bytes from a header dict and raw data bytes (version 1). */
function npy(header: string, body: Uint8Array): Uint8Array {
  const text = `${header}`.padEnd(Math.ceil((header.length + 11) / 64) * 64 - 11, ' ') + '\n';
  const out = new Uint8Array(10 + text.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, text.length, true);
  out.set(Buffer.from(text, 'latin1'), 10);
  out.set(body, 10 + text.length);
  return out;
}

/** A solid-colour image with a square of another colour at (k, k), as PNG or JPEG bytes. */
function image(width: number, height: number, fill: string, k: number, type: 'image/png' | 'image/jpeg' = 'image/png'): Buffer {
  const c = createCanvas(width, height);
  const ctx = c.getContext('2d');
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = fill;
  ctx.fillRect(k % Math.max(1, width - 2), k % Math.max(1, height - 2), 3, 3);
  return type === 'image/png' ? c.toBuffer('image/png') : c.toBuffer('image/jpeg', 100);
}

function writeImages(dir: string, classes: Record<string, string>, perClass: number, size = [12, 10]): void {
  for (const [name, colour] of Object.entries(classes)) {
    mkdirSync(path.join(dir, name), { recursive: true });
    for (let i = 0; i < perClass; i++) writeFileSync(path.join(dir, name, `img${i}.png`), image(size[1], size[0], colour, i));
  }
}

describe('.npy files', () => {
  test('encodeNpy then parseNpy gives the array back (float32 and int32, 1-D to 4-D)', () => {
    for (const shape of [[5], [2, 3], [2, 3, 4], [1, 2, 2, 3]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const f = Float32Array.from({ length: n }, (_, i) => i / 7 - 1);
      const back = parseNpy(encodeNpy(f, shape), 'f.npy');
      assert.deepEqual([back.dtype, back.shape], ['float32', shape]);
      assert.deepEqual(Array.from(back.data), Array.from(f));
      const k = Int32Array.from({ length: n }, (_, i) => i * 1000 - 7);
      assert.deepEqual(Array.from(parseNpy(encodeNpy(k, shape), 'k.npy').data), Array.from(k));
    }
  });

  test('other dtypes, byte orders and Fortran order are read as NumPy would', () => {
    const be = new Uint8Array(8);
    new DataView(be.buffer).setFloat32(0, 1.5, false);
    new DataView(be.buffer).setFloat32(4, -2, false);
    assert.deepEqual(Array.from(parseNpy(npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", be), 'be.npy').data), [1.5, -2]);
    const i8 = new Uint8Array(16);
    new DataView(i8.buffer).setBigInt64(0, 3n, true);
    new DataView(i8.buffer).setBigInt64(8, -4n, true);
    assert.deepEqual(Array.from(parseNpy(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", i8), 'i8.npy').data), [3, -4]);
    assert.deepEqual(Array.from(parseNpy(npy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", Uint8Array.of(1, 0, 1)), 'b.npy').data), [1, 0, 1]);
    // Fortran order: a 2×3 array [[0, 1, 2], [3, 4, 5]] is stored column by column: 0 3 1 4 2 5.
    const fortran = parseNpy(npy("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3), }", Uint8Array.of(0, 3, 1, 4, 2, 5)), 'f.npy');
    assert.deepEqual(Array.from(fortran.data), [0, 1, 2, 3, 4, 5]);
  });

  test('broken .npy files are one error naming the file', () => {
    const good = encodeNpy(Float32Array.of(1, 2, 3, 4), [2, 2]);
    refuses(() => parseNpy(good.subarray(0, good.length - 3), 'a.npy'), [/^a\.npy: truncated/, /16 bytes/]);
    refuses(() => parseNpy(Uint8Array.from([...good, 0, 0]), 'a.npy'), [/^a\.npy: 2 bytes after/]);
    refuses(() => parseNpy(Buffer.from('PK\x03\x04 not numpy'), 'a.npy'), [/^a\.npy: not a \.npy file/]);
    refuses(() => parseNpy(npy("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", new Uint8Array(16)), 'o.npy'), [/^o\.npy: dtype "\|O" is not supported/, /object/]);
    refuses(() => parseNpy(npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", new Uint8Array(8)), 's.npy'), [/^s\.npy: damaged \.npy header/]);
    refuses(() => parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", new Uint8Array(8)), 'x.npy'), [/^x\.npy: damaged \.npy header: shape/]);
    refuses(() => parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }", new Uint8Array(8)), 'big.npy'), [/more than one array can hold/]);
  });

  test('--data x.npy with --label-file y.npy: images scaled to [0, 1], a seeded 10 % held out, the same split every time', () => {
    const n = 40;
    const x = new Uint8Array(n * 6 * 5 * 3).map((_, i) => (i * 37) % 256);
    writeFileSync(at('x.npy'), npy(`{'descr': '|u1', 'fortran_order': False, 'shape': (${n}, 6, 5, 3), }`, x));
    writeFileSync(at('y.npy'), encodeNpy(Int32Array.from({ length: n }, (_, i) => i % 4), [n]));
    const a = loadDataSplits(at('x.npy'), { labelFile: at('y.npy') });
    assert.deepEqual([a.format, a.heldOut, a.train.size, a.test.size, a.train.shape, a.train.values, a.train.numClasses], ['npy', 0.1, 36, 4, [6, 5, 3], 'unit', 4]);
    // Every example is a row of the file with its label.
    for (const split of [a.train, a.test]) {
      for (let r = 0; r < split.size; r++) {
        const row = Array.from({ length: n }, (_, i) => i).find((i) => split.x.subarray(r * 90, r * 90 + 90).every((v, j) => Math.abs(v - x[i * 90 + j] / 255) < 1e-7));
        assert.ok(row !== undefined && split.labels![r] === row % 4, `${split.name} example ${r}`);
      }
    }
    const b = loadDataSplits(at('x.npy'), { labelFile: at('y.npy') });
    assert.deepEqual(Array.from(b.test.x), Array.from(a.test.x));
    assert.equal(loadDataSplits(at('x.npy'), { testFraction: 0.25 }).test.size, 10);
    writeFileSync(at('y-short.npy'), encodeNpy(Int32Array.from({ length: n - 1 }), [n - 1]));
    refuses(() => loadDataSplits(at('x.npy'), { labelFile: at('y-short.npy') }), [/y-short\.npy: 39 labels but .*x\.npy has 40 examples/]);
    writeFileSync(at('y-float.npy'), encodeNpy(Float32Array.from({ length: n }, (_, i) => i / 2), [n]));
    refuses(() => loadDataSplits(at('x.npy'), { labelFile: at('y-float.npy') }), [/y-float\.npy: label 1 is 0\.5: class labels must be whole numbers/]);
    writeFileSync(at('x-5d.npy'), encodeNpy(new Float32Array(32), [2, 2, 2, 2, 2]));
    refuses(() => loadDataSplits(at('x-5d.npy')), [/x-5d\.npy: shape \[2, 2, 2, 2, 2\]: expected \[N, D\]/]);
    writeFileSync(at('x-nan.npy'), encodeNpy(Float32Array.of(0, 1, NaN, 0), [2, 2]));
    refuses(() => loadDataSplits(at('x-nan.npy')), [/x-nan\.npy: value NaN in example 1/]);
  });
});

describe('.npz archives', () => {
  const member = (data: Float32Array | Int32Array, shape: number[]) => encodeNpy(data, shape);
  test('the Keras layout (x_train, y_train, x_test, y_test) gives both splits; x and y give one, with a held-out test', () => {
    const img = (n: number) => Float32Array.from({ length: n * 16 }, (_, i) => (i % 17) / 16);
    const lab = (n: number) => Int32Array.from({ length: n }, (_, i) => i % 3);
    writeFileSync(at('keras.npz'), zipSync({ 'x_train.npy': member(img(30), [30, 4, 4]), 'y_train.npy': member(lab(30), [30]), 'x_test.npy': member(img(9), [9, 4, 4]), 'y_test.npy': member(lab(9), [9]) }));
    const k = loadDataSplits(at('keras.npz'));
    assert.deepEqual([k.format, k.heldOut, k.train.size, k.test.size, k.train.shape, k.train.numClasses], ['npz', undefined, 30, 9, [4, 4], 3]);
    assert.deepEqual(Array.from(k.test.x), Array.from(img(9)));
    writeFileSync(at('xy.npz'), zipSync({ 'x.npy': member(img(20), [20, 16]), 'y.npy': member(lab(20), [20]) }, { level: 6 }));
    const xy = loadDataSplits(at('xy.npz'));
    assert.deepEqual([xy.train.size, xy.test.size, xy.train.shape, xy.heldOut], [18, 2, [16], 0.1]);
  });

  test('broken archives are one error naming the file', () => {
    writeFileSync(at('two.npz'), zipSync({ 'a.npy': member(new Float32Array(4), [2, 2]), 'b.npy': member(new Float32Array(4), [2, 2]) }));
    refuses(() => loadDataSplits(at('two.npz')), [/two\.npz: holds arrays 'a', 'b': name the examples 'x'/]);
    writeFileSync(at('text.npz'), zipSync({ 'x.npy': member(new Float32Array(4), [2, 2]), 'notes.txt': strToU8('hello') }));
    refuses(() => loadDataSplits(at('text.npz')), [/text\.npz: holds notes\.txt, which is not a \.npy array/]);
    const whole = zipSync({ 'x.npy': member(new Float32Array(400), [20, 20]) }, { level: 6 });
    writeFileSync(at('cut.npz'), whole.subarray(0, whole.length - 30));
    refuses(() => loadDataSplits(at('cut.npz')), [/cut\.npz: a damaged \.npz \(zip\) archive/]);
    writeFileSync(at('inner.npz'), zipSync({ 'x.npy': member(new Float32Array(4), [2, 2]).subarray(0, 70) }));
    refuses(() => loadDataSplits(at('inner.npz')), [/inner\.npz\[x\]: truncated/]);
    writeFileSync(at('plain.npz'), 'x,y\n1,2\n');
    refuses(() => loadDataSplits(at('plain.npz')), [/plain\.npz: not a \.npz file \(not a zip archive\)/]);
  });
});

describe('CSV tables', () => {
  const rows = (n: number) => ['height,weight,species,constant', ...Array.from({ length: n }, (_, i) => `${150 + (i * 7) % 40},${50 + (i * 3) % 30}.5,${['setosa', 'virginica', 'versicolor'][i % 3]},4`)].join('\n');

  test('a header row, --label-column with names: classes in sorted order, columns standardised on the training split, decodable back', () => {
    writeFileSync(at('t.csv'), `${rows(60)}\n`);
    const s = loadDataSplits(at('t.csv'), { labelColumn: 'species' });
    assert.deepEqual([s.format, s.train.shape, s.train.values, s.train.classNames, s.train.size, s.test.size], ['csv', [3], 'real', ['setosa', 'versicolor', 'virginica'], 54, 6]);
    const st = s.train.standardization!;
    assert.deepEqual(st.columns, ['height', 'weight', 'constant']);
    assert.equal(st.std[2], 1, 'a constant column is left unscaled');
    for (let j = 0; j < 2; j++) {
      const col = Array.from({ length: s.train.size }, (_, i) => s.train.x[i * 3 + j]);
      const mean = col.reduce((a, b) => a + b, 0) / col.length;
      const sd = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length);
      assert.ok(Math.abs(mean) < 1e-5 && Math.abs(sd - 1) < 1e-5, `column ${j}: mean ${mean}, sd ${sd}`);
    }
    // Back in the original units, each test row is a line of the file.
    const lines = readFileSync(at('t.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const back = destandardize(s.test.x, st);
    for (let r = 0; r < s.test.size; r++) {
      const line = Number(s.test.names![r].replace('line ', '')) - 2;
      assert.ok(Math.abs(back[r * 3] - Number(lines[line][0])) < 1e-3 && Math.abs(back[r * 3 + 1] - Number(lines[line][1])) < 1e-3);
      assert.equal(s.test.classNames![s.test.labels![r]], lines[line][2]);
    }
  });

  test('a folder with train.csv and test.csv: one class numbering and the training split\'s statistics for both', () => {
    mkdirSync(at('tables'));
    writeFileSync(at('tables', 'train.csv'), rows(30).replace(/,versicolor,/g, ',setosa,'));
    writeFileSync(at('tables', 'test.csv'), rows(9));
    const s = loadDataSplits(at('tables'), { labelColumn: 'species' });
    assert.deepEqual([s.train.size, s.test.size, s.heldOut, s.train.classNames, s.test.classNames], [30, 9, undefined, ['setosa', 'versicolor', 'virginica'], ['setosa', 'versicolor', 'virginica']]);
    assert.deepEqual(s.test.standardization, s.train.standardization);
  });

  test('broken tables are one error naming the file, the line and the column', () => {
    writeFileSync(at('word.csv'), 'a,b\n1,2\n3,abc\n');
    refuses(() => loadDataSplits(at('word.csv')), [/word\.csv: line 3, column "b": is "abc", not a number/, /--label-column/]);
    writeFileSync(at('gap.csv'), 'a,b\n1,2\n3,\n');
    refuses(() => loadDataSplits(at('gap.csv')), [/gap\.csv: line 3, column "b": is empty \(missing values are not supported/]);
    writeFileSync(at('ragged.csv'), 'a,b\n1,2\n3,4,5\n');
    refuses(() => loadDataSplits(at('ragged.csv')), [/ragged\.csv: not a valid CSV file/]);
    writeFileSync(at('nohead.csv'), '1,2\n3,4\n');
    refuses(() => loadDataSplits(at('nohead.csv')), [/nohead\.csv: the first row .* is all numbers: the file needs a header row/]);
    writeFileSync(at('empty.csv'), '\n');
    refuses(() => loadDataSplits(at('empty.csv')), [/empty\.csv: an empty file/]);
    writeFileSync(at('header.csv'), 'a,b\n');
    refuses(() => loadDataSplits(at('header.csv')), [/header\.csv: a header row but no rows/]);
    writeFileSync(at('dup.csv'), 'a,a\n1,2\n3,4\n');
    refuses(() => loadDataSplits(at('dup.csv')), [/dup\.csv: the header names column "a" twice/]);
    writeFileSync(at('ok.csv'), 'a,b\n1,2\n3,4\n');
    refuses(() => loadDataSplits(at('ok.csv'), { labelColumn: 'kind' }), [/ok\.csv: no column "kind" for --label-column \(columns: a, b\)/]);
    refuses(() => loadDataSplits(at('ok.csv'), { resize: [8, 8] }), [/--resize applies to image folders; .*ok\.csv is a table/]);
  });
});

describe('image folders', () => {
  before(() => {
    writeImages(at('colour'), { red: '#e02020', green: '#20c020', blue: '#2020e0' }, 7);
    writeImages(at('grey'), { a: '#ffffff', b: '#808080' }, 6);
    writeImages(at('split', 'train'), { cat: '#ff0000', dog: '#0000ff' }, 5);
    writeImages(at('split', 'test'), { cat: '#ff0000', dog: '#0000ff', fox: '#ffa500' }, 2);
  });

  test('class subfolders: colour images as [H, W, 3] in [0, 1], class names from the folders, file names kept', () => {
    const s = loadDataSplits(at('colour'));
    assert.deepEqual([s.format, s.train.shape, s.train.classNames, s.train.size + s.test.size, s.heldOut], ['images', [12, 10, 3], ['blue', 'green', 'red'], 21, 0.1]);
    assert.ok(s.train.x.every((v) => v >= 0 && v <= 1));
    // A red image's pixels: red where the square is, black elsewhere.
    const i = s.train.labels!.indexOf(2);
    const px = s.train.x.subarray(i * 360, (i + 1) * 360);
    assert.ok(px.some((v, j) => j % 3 === 0 && v > 0.8) && !px.some((v, j) => j % 3 === 2 && v > 0.2));
    assert.match(s.train.names![i], /^red\/img\d\.png$/);
  });

  test('grey images load as [H, W]; train/ and test/ folders are the splits, classes numbered over both', () => {
    assert.deepEqual(loadDataSplits(at('grey')).train.shape, [12, 10]);
    const s = loadDataSplits(at('split'));
    assert.deepEqual([s.train.size, s.test.size, s.heldOut, s.train.classNames, s.train.numClasses], [10, 6, undefined, ['cat', 'dog', 'fox'], 3]);
    refuses(() => loadDataSplits(at('split'), { testFraction: 0.2 }), [/--test-fraction: .*split has a test split of its own/]);
  });

  test('images of different sizes are an error naming two of them, unless --resize', () => {
    writeImages(at('mixed'), { a: '#fff' }, 3);
    writeFileSync(at('mixed', 'a', 'wide.png'), image(20, 12, '#fff', 0));
    refuses(() => loadDataSplits(at('mixed')), [/mixed\/a\/wide\.png: 12×20 pixels \(height×width\), but .*mixed\/a\/img0\.png is 12×10/, /--resize/]);
    const r = loadDataSplits(at('mixed'), { resize: [8, 6] });
    assert.deepEqual(r.train.shape, [8, 6]);
  });

  test('JPEG and PNG mix; damaged, truncated, empty and non-image files are errors naming the file', () => {
    mkdirSync(at('jpeg', 'a'), { recursive: true });
    for (let i = 0; i < 4; i++) writeFileSync(at('jpeg', 'a', `p${i}.jpg`), image(10, 12, '#fff', i, 'image/jpeg'));
    writeFileSync(at('jpeg', 'a', 'q.png'), image(10, 12, '#fff', 1));
    assert.equal(loadDataSplits(at('jpeg')).train.size + loadDataSplits(at('jpeg')).test.size, 5);
    const png = image(10, 12, '#fff', 1);
    const cases: [string, Uint8Array, RegExp][] = [
      ['cut.png', png.subarray(0, png.length - 20), /cut\.png: a truncated PNG/],
      ['head.png', png.subarray(0, 40), /head\.png: a truncated PNG/],
      ['flip.png', Uint8Array.from(png, (b, i) => (i === 60 ? b ^ 0xff : b)), /flip\.png: a damaged PNG: the checksum/],
      ['cut.jpg', image(10, 12, '#fff', 1, 'image/jpeg').subarray(0, 300), /cut\.jpg: a truncated JPEG/],
      ['empty.png', new Uint8Array(0), /empty\.png: an empty file, not an image/],
      ['text.png', Buffer.from('hello'), /text\.png: not a PNG or JPEG image/],
    ];
    for (const [name, bytes, pattern] of cases) {
      rmSync(at('bad'), { recursive: true, force: true });
      writeImages(at('bad'), { a: '#fff' }, 2);
      writeFileSync(at('bad', 'a', name), bytes);
      refuses(() => loadDataSplits(at('bad')), [pattern]);
    }
  });

  test('read from disk batch by batch (streamed), a folder gives the same examples, labels and split as in memory', () => {
    const memory = loadDataSplits(at('colour'));
    const streamed = loadTrainingSplits(at('colour'), { stream: 'always' });
    assert.ok(isStreamed(streamed.train) && isStreamed(streamed.test) && streamed.streamed);
    for (const split of ['train', 'test'] as const) {
      const [m, s] = [memory[split], streamed[split]];
      assert.deepEqual([s.size, s.shape, s.numClasses, s.classNames, s.names], [m.size, m.shape, m.numClasses, m.classNames, m.names]);
      assert.deepEqual(Array.from(s.labels!), Array.from(m.labels!));
      const all = Int32Array.from({ length: m.size }, (_, i) => i);
      assert.deepEqual(Array.from(readRows(s, all)), Array.from(m.x));
    }
    // Shuffled batches read the rows they name.
    for (const batch of batches(streamed.train, { batchSize: 4, shuffleSeed: 3 })) {
      assert.deepEqual(Array.from(batch.x), Array.from(readRows(memory.train, batch.indices)));
    }
    // The same read into one reused array.
    for (const batch of batches(streamed.train, { batchSize: 4, shuffleSeed: 3, reuse: true })) {
      assert.deepEqual(Array.from(batch.x), Array.from(readRows(memory.train, batch.indices)));
    }
    const limited = loadTrainingSplits(at('colour'), { stream: 'always', trainLimit: 5, trainClasses: [1] });
    assert.equal(limited.train.size, 5);
    assert.ok(limited.train.labels!.every((l) => l === 1));
    // A file that turns bad after the headers were read is named when its batch is read.
    rmSync(at('late'), { recursive: true, force: true });
    writeImages(at('late'), { a: '#fff' }, 3);
    const late = loadTrainingSplits(at('late'), { stream: 'always', testFraction: 0.4 });
    writeFileSync(at('late', 'a', 'img0.png'), image(10, 12, '#fff', 0).subarray(0, 60));
    writeFileSync(at('late', 'a', 'img1.png'), image(10, 12, '#fff', 0).subarray(0, 60));
    writeFileSync(at('late', 'a', 'img2.png'), image(10, 12, '#fff', 0).subarray(0, 60));
    refuses(() => readRows(late.train, [0]), [/late\/a\/img\d\.png: a truncated PNG/]);
  });

  test('LATENTLAB_STREAM_MB=0 streams every folder: all of a folder with train/ and test/ (encode, score) reads as in memory, train first', () => {
    const memory = loadExamples(at('split'), { split: 'all' });
    process.env.LATENTLAB_STREAM_MB = '0';
    try {
      const streamed = loadExamples(at('split'), { split: 'all' });
      assert.ok(isStreamed(streamed) && !isStreamed(memory));
      assert.deepEqual([streamed.size, streamed.names, Array.from(streamed.labels!)], [memory.size, memory.names, Array.from(memory.labels!)]);
      const all = Int32Array.from({ length: memory.size }, (_, i) => memory.size - 1 - i);   // reversed: rows from both parts in one read
      assert.deepEqual(Array.from(readRows(streamed, all)), Array.from(readRows(memory, all)));
      process.env.LATENTLAB_STREAM_MB = '-1';
      refuses(() => loadExamples(at('split')), [/LATENTLAB_STREAM_MB: expected a number of megabytes ≥ 0, got "-1"/]);
    } finally {
      delete process.env.LATENTLAB_STREAM_MB;
    }
  });

  test('PNGs of every common kind (8 and 16 bits; grey, grey + alpha, RGB, RGBA, a palette) read as the same pixels, in memory and from disk', () => {
    const [w, h] = [10, 12];
    // One picture: a red square (rows 2–5, columns 3–6) on a grey 64 background, written in each kind.
    const rgbOf = (p: number) => { const [y, x] = [Math.floor(p / w), p % w]; return y >= 2 && y < 6 && x >= 3 && x < 7 ? [200, 30, 30] : [64, 64, 64]; };
    const kinds: Record<string, Parameters<typeof encodePng>[0]> = {
      rgb8: { width: w, height: h, depth: 8, channels: 3, data: Uint8Array.from({ length: w * h * 3 }, (_, i) => rgbOf(Math.floor(i / 3))[i % 3]) },
      rgba8: { width: w, height: h, depth: 8, channels: 4, data: Uint8Array.from({ length: w * h * 4 }, (_, i) => (i % 4 === 3 ? 255 : rgbOf(Math.floor(i / 4))[i % 4])) },
      rgb16: { width: w, height: h, depth: 16, channels: 3, data: Uint16Array.from({ length: w * h * 3 }, (_, i) => rgbOf(Math.floor(i / 3))[i % 3] * 257) },
      palette: { width: w, height: h, depth: 8, channels: 1, palette: [[64, 64, 64], [200, 30, 30]], data: Uint8Array.from({ length: w * h }, (_, p) => (rgbOf(p)[0] === 200 ? 1 : 0)) },
    };
    mkdirSync(at('kinds', 'a'), { recursive: true });
    for (const [name, png] of Object.entries(kinds)) writeFileSync(at('kinds', 'a', `${name}.png`), encodePng(png));
    const expected = Array.from({ length: w * h * 3 }, (_, i) => rgbOf(Math.floor(i / 3))[i % 3] / 255);
    const memory = loadDataSplits(at('kinds'), { testFraction: 0.25 });
    const streamed = loadTrainingSplits(at('kinds'), { testFraction: 0.25, stream: 'always' });
    for (const s of [memory, streamed]) {
      for (const split of [s.train, s.test]) {
        assert.deepEqual(split.shape, [h, w, 3]);
        const rows = readRows(split, Int32Array.from({ length: split.size }, (_, i) => i));
        split.names!.forEach((name, i) => {
          const got = Array.from(rows.subarray(i * w * h * 3, (i + 1) * w * h * 3));
          assert.ok(got.every((v, j) => Math.abs(v - expected[j]) < 1e-6), `${name}: pixels differ from the picture`);
        });
      }
    }
    // Grey PNGs (8 and 16 bits, with alpha) load as [H, W].
    mkdirSync(at('grey-kinds', 'a'), { recursive: true });
    const grey = (p: number) => (p % 7) * 30;
    writeFileSync(at('grey-kinds', 'a', 'g8.png'), encodePng({ width: w, height: h, depth: 8, channels: 1, data: Uint8Array.from({ length: w * h }, (_, p) => grey(p)) }));
    writeFileSync(at('grey-kinds', 'a', 'g16.png'), encodePng({ width: w, height: h, depth: 16, channels: 1, data: Uint16Array.from({ length: w * h }, (_, p) => grey(p) * 257) }));
    writeFileSync(at('grey-kinds', 'a', 'ga8.png'), encodePng({ width: w, height: h, depth: 8, channels: 2, data: Uint8Array.from({ length: w * h * 2 }, (_, i) => (i % 2 ? 255 : grey(i >> 1))) }));
    const g = loadDataSplits(at('grey-kinds'), { testFraction: 0.34 });
    assert.deepEqual(g.train.shape, [h, w]);
    const all = [...g.train.x, ...g.test.x];
    assert.ok(all.every((v, j) => Math.abs(v - grey(j % (w * h)) / 255) < 1e-6), 'grey PNGs read other values');
    // A 1-bit PNG (rows packed 8 pixels a byte) goes through the canvas: black and white, unpacked.
    mkdirSync(at('bits', 'a'), { recursive: true });
    const bit = (p: number) => ((p % w) + Math.floor(p / w)) % 3 === 0 ? 1 : 0;
    const packed = new Uint8Array(h * 2);
    for (let p = 0; p < w * h; p++) if (bit(p)) packed[Math.floor(p / w) * 2 + ((p % w) >> 3)] |= 0x80 >> (p % w % 8);
    for (const name of ['b0', 'b1']) writeFileSync(at('bits', 'a', `${name}.png`), encodePng({ width: w, height: h, depth: 1 as 8, channels: 1, data: packed }));
    const bits = loadDataSplits(at('bits'), { testFraction: 0.5 });
    assert.deepEqual(bits.train.shape, [h, w]);
    assert.ok(Array.from(bits.train.x).every((v, p) => v === bit(p)), '1-bit PNG read other values');
  });

  test('withImageShape: grey images read as colour (or back) for a run trained on the other; colour pixels for a grey run are an error naming the file', () => {
    // PNGs saved as RGB with grey pixels: grey when read whole (by the pixels), colour when streamed (by the headers).
    writeImages(at('rgb-grey'), { a: '#888', b: '#fff' }, 3);
    const memory = loadDataSplits(at('rgb-grey'));
    const streamed = loadTrainingSplits(at('rgb-grey'), { stream: 'always' });
    assert.deepEqual([memory.train.shape, streamed.train.shape], [[12, 10], [12, 10, 3]]);
    const all = Int32Array.from({ length: memory.train.size }, (_, i) => i);
    const grey = withImageShape(streamed.train, [12, 10]);
    assert.deepEqual([grey.shape, grey.dim], [[12, 10], 120]);
    assert.deepEqual(Array.from(readRows(grey, all)), Array.from(memory.train.x));
    const colour = withImageShape(memory.train, [12, 10, 3]);
    assert.deepEqual(Array.from(readRows(colour, all)), Array.from(readRows(streamed.train, all)));
    assert.equal(withImageShape(memory.train, [12, 10]), memory.train, 'already the right shape: unchanged');
    assert.equal(withImageShape(memory.train, [6, 20]), memory.train, 'other sizes are left for the caller to refuse');
    const red = withImageShape(loadTrainingSplits(at('colour'), { stream: 'always' }).train, [12, 10]);
    refuses(() => readRows(red, [0]), [/colour\/train: \w+\/img\d\.png has colour pixels, but the run was trained on grey images \(12×10\)/]);
  });

  test('layouts that cannot be read are errors naming the folder', () => {
    writeImages(at('both'), { a: '#fff' }, 2);
    writeFileSync(at('both', 'stray.png'), image(10, 12, '#fff', 0));
    refuses(() => loadDataSplits(at('both')), [/both: holds both image files \(stray\.png\) and subfolders \(a\/\)/]);
    writeImages(at('hollow'), { a: '#fff' }, 2);
    mkdirSync(at('hollow', 'b'));
    writeFileSync(at('hollow', 'b', 'notes.txt'), 'x');
    refuses(() => loadDataSplits(at('hollow')), [/hollow\/b: class folder holds no PNG or JPEG images/]);
    writeImages(at('deep'), { a: '#fff' }, 2);
    mkdirSync(at('deep', 'a', 'inner'));
    refuses(() => loadDataSplits(at('deep')), [/deep\/a\/inner: a folder inside a class folder/]);
    mkdirSync(at('nothing'));
    writeFileSync(at('nothing', 'readme.md'), 'x');
    refuses(() => loadDataSplits(at('nothing')), [/nothing: no data found \(it holds readme\.md\)/]);
    refuses(() => loadDataSplits(at('colour', 'red', 'img0.png')), [/a single image; give the folder/]);
    refuses(() => loadDataSplits(at('colour'), { labelColumn: 'x' }), [/--label-column applies to CSV tables; .*colour is a folder of images/]);
    refuses(() => loadDataSplits(at('no-such-thing')), [/no-such-thing": not found/]);
    if (process.getuid?.() !== 0) {
      // Permissions do not stop root; elsewhere an unreadable image is named.
      writeImages(at('locked'), { a: '#fff' }, 2);
      chmodSync(at('locked', 'a', 'img0.png'), 0o000);
      refuses(() => loadDataSplits(at('locked')), [/img0\.png: cannot be read \(permission denied\)/]);
    }
  });
});

describe('IDX beyond MNIST\'s layout', () => {
  const images = (n: number, shape: number[]) => encodeIdx({ dtype: 'ubyte', shape: [n, ...shape], data: Uint8Array.from({ length: n * shape.reduce((a, b) => a * b, 1) }, (_, i) => (i * 31) % 256) });
  const labels = (n: number) => encodeIdx({ dtype: 'ubyte', shape: [n], data: Uint8Array.from({ length: n }, (_, i) => i % 3) });

  test('colour IDX [n, H, W, 3]; test- instead of t10k-; prefixed names; gzipped', () => {
    mkdirSync(at('idx-colour'));
    writeFileSync(at('idx-colour', 'train-images-idx4-ubyte'), images(12, [4, 5, 3]));
    writeFileSync(at('idx-colour', 'train-labels-idx1-ubyte'), labels(12));
    writeFileSync(at('idx-colour', 'test-images-idx4-ubyte.gz'), gzipSync(images(6, [4, 5, 3])));
    writeFileSync(at('idx-colour', 'test-labels-idx1-ubyte.gz'), gzipSync(labels(6)));
    const s = loadDataSplits(at('idx-colour'));
    assert.deepEqual([s.format, s.train.shape, s.train.size, s.test.size, s.heldOut, s.train.numClasses], ['idx', [4, 5, 3], 12, 6, undefined, 3]);
    mkdirSync(at('emnist'));
    writeFileSync(at('emnist', 'emnist-letters-train-images-idx3-ubyte.gz'), gzipSync(images(20, [4, 4])));
    writeFileSync(at('emnist', 'emnist-letters-train-labels-idx1-ubyte.gz'), gzipSync(labels(20)));
    const e = loadDataSplits(at('emnist'));
    assert.deepEqual([e.train.size, e.test.size, e.heldOut, e.train.shape], [18, 2, 0.1, [4, 4]]);
  });

  test('a single IDX file with --label-file; a folder with only test files is an error', () => {
    writeFileSync(at('single-images'), images(10, [3, 3]));
    writeFileSync(at('single-labels'), labels(10));
    const s = loadDataSplits(at('single-images'), { labelFile: at('single-labels') });
    assert.deepEqual([s.format, s.train.size + s.test.size, s.train.numClasses], ['idx', 10, 3]);
    mkdirSync(at('only-test'));
    writeFileSync(at('only-test', 't10k-images-idx3-ubyte'), images(5, [3, 3]));
    refuses(() => loadDataSplits(at('only-test')), [/only-test: only test images \(t10k-images-idx3-ubyte\)/]);
    mkdirSync(at('two-train'));
    writeFileSync(at('two-train', 'train-images-idx3-ubyte'), images(5, [3, 3]));
    writeFileSync(at('two-train', 'a-train-images-idx3-ubyte'), images(5, [3, 3]));
    refuses(() => loadDataSplits(at('two-train')), [/two-train: two training images files/]);
    refuses(() => loadDataSplits('fashion-mnist'), [/fashion-mnist: not shipped/, /--data \.\/fashion-mnist/]);
  });
});

describe('latentlab train on a table and on an image folder', () => {
  test('a CSV gets a Gaussian likelihood and stores its standardisation and class names; --likelihood bernoulli is refused', () => {
    writeFileSync(at('cli.csv'), ['x1,x2,x3,kind', ...Array.from({ length: 80 }, (_, i) => `${(i % 9) * 10},${-i},${i % 2 ? 3.5 : 1.5},${i % 2 ? 'odd' : 'even'}`)].join('\n'));
    const out = at('runs');
    const r = runCli(['train', '--data', at('cli.csv'), '--label-column', 'kind', '--epochs', '1', '--batch-size', '16', '-q', '--out', out, '--name', 'table']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /values outside \[0, 1\].*Gaussian likelihood/);
    const config = readJson(path.join(out, 'table', 'config.json'));
    assert.deepEqual(config.likelihood, { kind: 'gaussian', variance: 'learned' });
    const data = readJson(path.join(out, 'table', 'manifest.json')).data;
    assert.deepEqual([data.format, data.shape, data.classNames, data.standardization.columns, data.heldOut], ['csv', [3], ['even', 'odd'], ['x1', 'x2', 'x3'], 0.1]);
    const bad = runCli(['train', '--data', at('cli.csv'), '--label-column', 'kind', '--likelihood', 'bernoulli', '--epochs', '1', '-q', '--out', out, '--name', 'bern']);
    assert.equal(bad.status, 1, describeRun(bad));
    assert.match(bad.stderr, /--likelihood bernoulli models values in \[0, 1\], but cli\.csv\/train holds/);
    assert.ok(!hasStackTrace(bad.stderr), bad.stderr);
  });

  test('a colour image folder trains and writes colour figures; the manifest names the classes', () => {
    const out = at('runs');
    const r = runCli(['train', '--data', at('colour'), '--likelihood', 'gaussian', '--variance', '0.05', '--epochs', '1', '--batch-size', '8', '-q', '--out', out, '--name', 'img']);
    assert.equal(r.status, 0, r.stderr);
    const data = readJson(path.join(out, 'img', 'manifest.json')).data;
    assert.deepEqual([data.format, data.shape, data.classNames], ['images', [12, 10, 3], ['blue', 'green', 'red']]);
    const png = readFileSync(path.join(out, 'img', 'reconstructions.png'));
    assert.ok(png.length > 500);
  });
});

describe('batches read into one reused array', () => {
  const dim = 6, size = 11;
  const bytes = Uint8Array.from({ length: size * dim }, (_, i) => (i * 37) % 256);
  const values = Float32Array.from(bytes, (b) => b / 255);
  const sources = {
    'in memory': makeDataset('memory', [dim], values),
    '8-bit': byteDataset('bytes', [dim], bytes),
    'streamed and in memory, joined': concatSource(byteDataset('a', [dim], bytes.subarray(0, 5 * dim)), makeDataset('b', [dim], values.subarray(5 * dim)), 'both'),
  };
  for (const [name, ds] of Object.entries(sources)) {
    test(`${name}: the values of separate copies, shuffled, binarised, with a last partial batch`, () => {
      const options = { batchSize: 4, shuffleSeed: 9, binarizeSeed: 5 };
      const copies = [...batches(ds, options)].map((b) => ({ x: Array.from(b.x), indices: Array.from(b.indices) }));
      const buffers = new Set<ArrayBufferLike>();
      let k = 0;
      for (const b of batches(ds, { ...options, reuse: true })) {
        assert.deepEqual({ x: Array.from(b.x), indices: Array.from(b.indices) }, copies[k++]);
        buffers.add(b.x.buffer);
      }
      assert.equal(k, 3);
      assert.equal(buffers.size, 1, 'every batch in one array');
      assert.ok(copies[0].x.every((v) => v === 0 || v === 1), 'binarised');
    });
  }
  test('readRows refuses an array of the wrong length to write into', () => {
    assert.throws(() => readRows(sources['in memory'], [0, 1], new Float32Array(dim)), /readRows: 6 values to write into, but 2 examples of 6 need 12/);
  });
});
