/**
 * Reader and writer for the IDX format, the format MNIST ships in
 * (http://yann.lecun.com/exdb/mnist/, "FILE FORMATS FOR THE MNIST DATABASE").
 *
 * Layout (all numbers big-endian):
 *
 *     offset 0   0x00 0x00            magic: two zero bytes
 *     offset 2   type code            0x08 ubyte, 0x09 sbyte, 0x0B int16,
 *                                     0x0C int32, 0x0D float32, 0x0E float64
 *     offset 3   ndims                number of dimensions (≥ 1)
 *     offset 4   ndims × uint32       the size of each dimension
 *     then       ∏ dims values        row-major (C order), big-endian
 *
 * MNIST images are `ubyte` with shape [n, 28, 28]; labels are `ubyte` with
 * shape [n]. The reader is strict: a file whose length differs in any way
 * from what its header says is an error, never silently cut or padded.
 */
import { DataError } from './errors.js';

/** Element types an IDX file can hold. */
export type IdxDtype = 'ubyte' | 'sbyte' | 'int16' | 'int32' | 'float32' | 'float64';

/** The typed array each IDX element type is returned in. */
export interface IdxArrayTypes {
  ubyte: Uint8Array;
  sbyte: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
}

/** An n-dimensional array read from (or to be written as) IDX; `data` is row-major. */
export type IdxArray<D extends IdxDtype = IdxDtype> = {
  [K in D]: { dtype: K; shape: number[]; data: IdxArrayTypes[K] };
}[D];

/** Most dimensions accepted; the byte allows 255, but no real file has more than a few. */
export const MAX_IDX_DIMS = 16;

interface DtypeInfo {
  code: number;
  size: number;
  /** Reads element i (big-endian) of a DataView positioned at the data. */
  read: (view: DataView, at: number) => number;
  write: (view: DataView, at: number, value: number) => void;
  make: (n: number) => IdxArrayTypes[IdxDtype];
  ctor: Function;
}

const DTYPES = {
  ubyte: { code: 0x08, size: 1, read: (v, a) => v.getUint8(a), write: (v, a, x) => v.setUint8(a, x), make: (n) => new Uint8Array(n), ctor: Uint8Array },
  sbyte: { code: 0x09, size: 1, read: (v, a) => v.getInt8(a), write: (v, a, x) => v.setInt8(a, x), make: (n) => new Int8Array(n), ctor: Int8Array },
  int16: { code: 0x0b, size: 2, read: (v, a) => v.getInt16(a), write: (v, a, x) => v.setInt16(a, x), make: (n) => new Int16Array(n), ctor: Int16Array },
  int32: { code: 0x0c, size: 4, read: (v, a) => v.getInt32(a), write: (v, a, x) => v.setInt32(a, x), make: (n) => new Int32Array(n), ctor: Int32Array },
  float32: { code: 0x0d, size: 4, read: (v, a) => v.getFloat32(a), write: (v, a, x) => v.setFloat32(a, x), make: (n) => new Float32Array(n), ctor: Float32Array },
  float64: { code: 0x0e, size: 8, read: (v, a) => v.getFloat64(a), write: (v, a, x) => v.setFloat64(a, x), make: (n) => new Float64Array(n), ctor: Float64Array },
} satisfies Record<IdxDtype, DtypeInfo>;

const DTYPE_BY_CODE = new Map<number, IdxDtype>(
  (Object.keys(DTYPES) as IdxDtype[]).map((d) => [DTYPES[d].code, d]),
);

const hex = (n: number, digits: number) => '0x' + n.toString(16).padStart(digits, '0');

/** Number of elements of `shape`, or undefined if bytes would exceed 2^53 − 1. */
function elementCount(shape: readonly number[], elementSize: number): number | undefined {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n * elementSize > Number.MAX_SAFE_INTEGER) return undefined;
  }
  return n;
}

/**
 * Parses an IDX file. `name` (e.g. the file name) prefixes every error.
 *
 * `ubyte` and `sbyte` data are returned as views on `bytes` (no copy: the
 * result shares memory with the input); wider types are converted from
 * big-endian into a new typed array.
 *
 * @throws DataError for a wrong magic number, unknown type code, zero or too
 *   many dimensions, a file shorter than its header, truncated data, extra
 *   trailing bytes, or dimensions whose product overflows.
 */
export function parseIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  const fail = (detail: string): never => {
    throw new DataError(name, detail);
  };
  if (bytes.length === 0) fail('empty file (expected an IDX header)');
  if (bytes.length < 4) fail(`file has ${bytes.length} bytes, too short for the 4-byte IDX magic number`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    // The message names what the file looks like, never its bytes as text.
    const gzip = bytes[0] === 0x1f && bytes[1] === 0x8b;
    fail(gzip
      ? 'a gzip-compressed file, not IDX (decompress it first, e.g. gunzip)'
      : 'not an IDX file: wrong magic number (an IDX file starts with two zero bytes, a type code and a dimension count)');
  }
  const dtype = DTYPE_BY_CODE.get(bytes[2]);
  if (dtype === undefined) {
    fail(`unknown IDX data type code ${hex(bytes[2], 2)} in magic number ${hex(magic, 8)} (known: 0x08 ubyte, 0x09 sbyte, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64)`);
  }
  const info = DTYPES[dtype!];
  const ndims = bytes[3];
  if (ndims === 0) fail('header declares zero dimensions');
  if (ndims > MAX_IDX_DIMS) fail(`header declares ${ndims} dimensions (at most ${MAX_IDX_DIMS} supported)`);
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    fail(`file shorter than header: ${ndims} dimensions need a ${headerBytes}-byte header, file has ${bytes.length} bytes`);
  }
  const shape = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  const dims = shape.join('×');
  const n = elementCount(shape, info.size);
  if (n === undefined) fail(`dimensions ${dims} are too large (size overflows)`);
  const dataBytes = n! * info.size;
  const actual = bytes.length - headerBytes;
  const what = info.size === 1 ? dims : `${dims} × ${info.size}-byte ${dtype}`;
  if (actual < dataBytes) {
    fail(`truncated: header says ${what} = ${dataBytes} bytes of data, file has ${actual}`);
  }
  if (actual > dataBytes) {
    fail(`${actual - dataBytes} extra bytes after the data: header says ${what} = ${dataBytes} bytes of data, file has ${actual}`);
  }
  const start = bytes.byteOffset + headerBytes;
  if (dtype === 'ubyte') return { dtype, shape, data: new Uint8Array(bytes.buffer, start, n!) };
  if (dtype === 'sbyte') return { dtype, shape, data: new Int8Array(bytes.buffer, start, n!) };
  const data = info.make(n!);
  for (let i = 0, at = headerBytes; i < n!; i++, at += info.size) data[i] = info.read(view, at);
  return { dtype, shape, data } as IdxArray;
}

/**
 * Writes an array as IDX bytes (the inverse of {@link parseIdx}).
 *
 * @throws DataError if `data` is not the typed array for `dtype`, its length
 *   is not the product of `shape`, or `shape` has 0 or more than
 *   {@link MAX_IDX_DIMS} entries or an entry that is not a uint32.
 */
export function encodeIdx(array: IdxArray, name = 'IDX data'): Uint8Array {
  const { dtype, shape, data } = array;
  const fail = (detail: string): never => {
    throw new DataError(name, detail);
  };
  const info: DtypeInfo | undefined = Object.hasOwn(DTYPES, dtype) ? DTYPES[dtype] : undefined;
  if (info === undefined) fail(`cannot encode unknown IDX data type "${String(dtype)}"`);
  if (!(data instanceof info!.ctor)) {
    fail(`${dtype} data must be a ${info!.ctor.name}, got ${Object.prototype.toString.call(data).slice(8, -1)}`);
  }
  if (shape.length === 0 || shape.length > MAX_IDX_DIMS) {
    fail(`IDX needs 1 to ${MAX_IDX_DIMS} dimensions, shape has ${shape.length}`);
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) fail(`dimension ${d} is not a uint32`);
  }
  const n = elementCount(shape, info!.size);
  if (n !== data.length) {
    fail(`shape ${shape.join('×')} needs ${n ?? 'too many'} elements, data has ${data.length}`);
  }
  const headerBytes = 4 + 4 * shape.length;
  const out = new Uint8Array(headerBytes + data.length * info!.size);
  const view = new DataView(out.buffer);
  out[2] = info!.code;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  for (let i = 0, at = headerBytes; i < data.length; i++, at += info!.size) info!.write(view, at, data[i]);
  return out;
}

/** What {@link expectIdx} checks; each field is optional. */
export interface IdxExpectation<D extends IdxDtype = IdxDtype> {
  dtype?: D;
  ndims?: number;
  /** Expected shape; `null` entries match any size, e.g. `[null, 28, 28]`. */
  shape?: readonly (number | null)[];
}

/**
 * Parses an IDX file and checks it holds what the caller needs, e.g.
 * `expectIdx(bytes, 'train-images-idx3-ubyte', { dtype: 'ubyte', ndims: 3 })`
 * for images or `{ dtype: 'ubyte', ndims: 1 }` for labels.
 *
 * @throws DataError from {@link parseIdx}, or naming what was expected and
 *   what the file holds.
 */
export function expectIdx<D extends IdxDtype = IdxDtype>(
  bytes: Uint8Array,
  name: string,
  expected: IdxExpectation<D> = {},
): IdxArray<D> {
  const array = parseIdx(bytes, name);
  const got = `${array.dtype} data of shape [${array.shape.join(', ')}]`;
  const fail = (want: string): never => {
    throw new DataError(name, `expected ${want}, file holds ${got}`);
  };
  if (expected.dtype !== undefined && array.dtype !== expected.dtype) fail(`${expected.dtype} data`);
  const ndims = expected.ndims ?? expected.shape?.length;
  if (ndims !== undefined && array.shape.length !== ndims) {
    fail(`${ndims} dimension${ndims === 1 ? '' : 's'}`);
  }
  if (expected.shape?.some((d, i) => d !== null && d !== array.shape[i])) {
    fail(`shape [${expected.shape.map((d) => d ?? 'any').join(', ')}]`);
  }
  return array as IdxArray<D>;
}
