/**
 * NumPy's .npy format (versions 1–3): a magic string, a header that is a
 * Python dict literal ({'descr': '<f4', 'fortran_order': False, 'shape': (n, d)}),
 * then the values in C order. Read: booleans, signed and unsigned integers
 * of 1–8 bytes and floats of 4 or 8 bytes, little- or big-endian. Written:
 * float32 and int32, little-endian, version 1.
 *
 * Every problem is a DataError naming the file.
 */
import { DataError } from './errors.js';
import { printable, quoted } from '../util/text.js';

export type NpyDtype = 'bool' | 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'uint64' | 'int64' | 'float32' | 'float64';

export interface NpyArray {
  readonly dtype: NpyDtype;
  readonly shape: readonly number[];
  /** The values in C order; 64-bit integers as doubles (exact up to 2^53). */
  readonly data: Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;
}

const MAGIC = '\x93NUMPY';

const DTYPES: Record<string, { dtype: NpyDtype; width: number }> = {
  b1: { dtype: 'bool', width: 1 }, u1: { dtype: 'uint8', width: 1 }, i1: { dtype: 'int8', width: 1 },
  u2: { dtype: 'uint16', width: 2 }, i2: { dtype: 'int16', width: 2 }, u4: { dtype: 'uint32', width: 4 }, i4: { dtype: 'int32', width: 4 },
  u8: { dtype: 'uint64', width: 8 }, i8: { dtype: 'int64', width: 8 }, f4: { dtype: 'float32', width: 4 }, f8: { dtype: 'float64', width: 8 },
};

/** The most values one array may hold (a typed array's limit). */
const MAX_VALUES = 2 ** 31 - 1;

/** Parses the bytes of a .npy file; `name` names it in errors. */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  const text = (start: number, end: number) => String.fromCharCode(...bytes.subarray(start, Math.min(end, bytes.length)));
  if (bytes.length < 10 || text(0, 6) !== MAGIC) throw new DataError(name, 'not a .npy file (it does not start with \\x93NUMPY)');
  const major = bytes[6];
  if (major < 1 || major > 3) throw new DataError(name, `.npy format version ${major} is not supported (1, 2 or 3)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = major === 1 ? 10 : 12;
  if (bytes.length < start) throw new DataError(name, `truncated: ${bytes.length} bytes, too short for a version ${major} header`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  // NumPy itself refuses headers over 10,000 bytes by default; a huge one is damage.
  if (headerLength > 100_000) throw new DataError(name, `damaged .npy header: it claims ${headerLength} bytes (NumPy writes a few hundred)`);
  if (start + headerLength > bytes.length) throw new DataError(name, `truncated: the header claims ${headerLength} bytes, the file has ${bytes.length - start} after the preamble`);
  // The header is a Python literal; the keys and values read here are ASCII in every version.
  const header = text(start, start + headerLength);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortranText = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortranText === undefined || shapeText === undefined) {
    throw new DataError(name, "damaged .npy header (it must give 'descr', 'fortran_order' and 'shape')");
  }
  const parts = shapeText.split(',').map((s) => s.trim()).filter(Boolean);
  if (!parts.every((p) => /^\d{1,15}L?$/.test(p))) throw new DataError(name, `damaged .npy header: shape (${printable(shapeText, 60)})`);
  const shape = parts.map((p) => Number.parseInt(p, 10));
  const count = shape.reduce((a, b) => a * b, 1);
  const kind = /^([<>|=])([biuf]\d)$/.exec(descr);
  const spec = kind ? DTYPES[kind[2]] : undefined;
  if (!kind || !spec) {
    throw new DataError(name, `dtype ${quoted(descr, 40)} is not supported (numbers only: bool, int8–int64, uint8–uint64, float32, float64; not structured, string or object arrays)`);
  }
  if (count > MAX_VALUES) throw new DataError(name, `${shape.join('×')} = ${count} values is more than one array can hold (${MAX_VALUES})`);
  const bigEndian = kind[1] === '>';
  const body = bytes.subarray(start + headerLength);
  if (body.length < count * spec.width) {
    throw new DataError(name, `truncated: the header says ${shape.join('×')} ${spec.dtype} values (${count * spec.width} bytes), the file holds ${body.length} bytes of data`);
  }
  if (body.length > count * spec.width) {
    throw new DataError(name, `${body.length - count * spec.width} bytes after the ${shape.join('×')} ${spec.dtype} values the header announces`);
  }
  const data = readValues(body, spec.dtype, spec.width, count, bigEndian);
  if (fortranText === 'True' && shape.length > 1) return { dtype: spec.dtype, shape, data: toCOrder(data, shape) };
  return { dtype: spec.dtype, shape, data };
}

function readValues(body: Uint8Array, dtype: NpyDtype, width: number, count: number, bigEndian: boolean): NpyArray['data'] {
  if (width === 1) {
    const copy = body.slice(0, count);
    return dtype === 'int8' ? new Int8Array(copy.buffer) : copy;
  }
  const view = new DataView(body.buffer, body.byteOffset, count * width);
  const le = !bigEndian;
  switch (dtype) {
    case 'uint16': return Uint16Array.from({ length: count }, (_, i) => view.getUint16(2 * i, le));
    case 'int16': return Int16Array.from({ length: count }, (_, i) => view.getInt16(2 * i, le));
    case 'uint32': return Uint32Array.from({ length: count }, (_, i) => view.getUint32(4 * i, le));
    case 'int32': return Int32Array.from({ length: count }, (_, i) => view.getInt32(4 * i, le));
    case 'float32': {
      if (le && body.byteOffset % 4 === 0) return new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + 4 * count));
      return Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, le));
    }
    case 'float64': return Float64Array.from({ length: count }, (_, i) => view.getFloat64(8 * i, le));
    case 'uint64': return Float64Array.from({ length: count }, (_, i) => Number(view.getBigUint64(8 * i, le)));
    case 'int64': return Float64Array.from({ length: count }, (_, i) => Number(view.getBigInt64(8 * i, le)));
    default: throw new Error(`unhandled dtype ${dtype}`);
  }
}

/** Reorders Fortran-ordered values (first axis fastest) into C order (last axis fastest). */
function toCOrder(data: NpyArray['data'], shape: readonly number[]): NpyArray['data'] {
  const out = new (data.constructor as { new (n: number): NpyArray['data'] })(data.length);
  const n = shape.length;
  const fStrides = new Array<number>(n);
  for (let k = 0, s = 1; k < n; k++) { fStrides[k] = s; s *= shape[k]; }
  const index = new Array<number>(n).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let k = 0; k < n; k++) f += index[k] * fStrides[k];
    out[c] = data[f];
    for (let k = n - 1; k >= 0; k--) {
      if (++index[k] < shape[k]) break;
      index[k] = 0;
    }
  }
  return out;
}

/**
 * The preamble and header of a version-1 .npy file for an array of `shape`
 * with numpy type `descr` ('<f4', '<i4', '|u1'): a multiple of 64 bytes,
 * ending in a newline; the values follow it (little-endian, C order).
 */
export function npyHeader(descr: string, shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total);
  out.set([0x93, ...Array.from('NUMPY', (c) => c.charCodeAt(0)), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  return out;
}

/** Encodes a float32 or int32 array as a version-1 .npy file (little-endian, C order). */
export function encodeNpy(data: Float32Array | Int32Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`shape ${shape.join('×')} holds ${count} values, got ${data.length}`);
  const head = npyHeader(data instanceof Float32Array ? '<f4' : '<i4', shape);
  const total = head.length;
  const out = new Uint8Array(total + data.byteLength);
  out.set(head);
  const values = new DataView(out.buffer, total);
  if (data instanceof Float32Array) data.forEach((v, i) => values.setFloat32(4 * i, v, true));
  else data.forEach((v, i) => values.setInt32(4 * i, v, true));
  return out;
}
