/**
 * Reader and writer for the safetensors format
 * (https://github.com/huggingface/safetensors), readable by the official
 * Python/Rust library and by anything else that speaks the format.
 *
 * Layout:
 *
 *     8 bytes   N, the header length: unsigned 64-bit little-endian
 *     N bytes   UTF-8 JSON object, padded with spaces (0x20) to a multiple of 8:
 *               { "__metadata__": { "<key>": "<string value>", … },   (optional)
 *                 "<tensor name>": { "dtype": "F32", "shape": [2, 3],
 *                                    "data_offsets": [begin, end] }, … }
 *     rest      the data section: every tensor's bytes, little-endian, row-major
 *
 * `data_offsets` are byte offsets relative to the start of the data section.
 * The tensors must tile it exactly: sorted by offset, the first begins at 0,
 * each begins where the previous ends, the last ends at the end of the file,
 * and each spans ∏shape × element size bytes. A 0-d tensor has shape [] and
 * one element; a tensor with a 0 in its shape has no bytes.
 *
 * The writer follows the reference Rust serializer: tensors are sorted by
 * element size, largest first (the order of the reference `Dtype` enum,
 * reversed), then by name, so every tensor starts at a multiple of its
 * element size (the header is padded to 8 and 8 + N is a multiple of 8);
 * `__metadata__` comes first in the header. Output is deterministic.
 */

import { printable, quoted } from '../util/text.js';

/** Minimal ambient types: `lib: ES2022` has no TextEncoder/TextDecoder, but every JS runtime we target does. */
declare const TextEncoder: { new (): { encode(text: string): Uint8Array } };
declare const TextDecoder: {
  new (label: 'utf-8', options: { fatal: boolean }): { decode(bytes: Uint8Array): string };
};

/** Element types, in the reference implementation's order (increasing alignment). */
export const SAFETENSORS_DTYPES = [
  'BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16',
  'I32', 'U32', 'F32', 'F64', 'I64', 'U64',
] as const;
export type SafetensorsDtype = (typeof SAFETENSORS_DTYPES)[number];

/**
 * The typed array each dtype is held in. F16 and BF16 are raw 16-bit
 * patterns; BOOL is one byte per element (0 or 1); the FP8 types are raw bytes.
 */
export interface SafetensorsArrayTypes {
  BOOL: Uint8Array; U8: Uint8Array; I8: Int8Array; F8_E5M2: Uint8Array; F8_E4M3: Uint8Array;
  I16: Int16Array; U16: Uint16Array; F16: Uint16Array; BF16: Uint16Array;
  I32: Int32Array; U32: Uint32Array; F32: Float32Array; F64: Float64Array;
  I64: BigInt64Array; U64: BigUint64Array;
}

/** One tensor: `data` is row-major with ∏shape elements. */
export type SafetensorsTensor<D extends SafetensorsDtype = SafetensorsDtype> = {
  [K in D]: { dtype: K; shape: number[]; data: SafetensorsArrayTypes[K] };
}[D];

export interface SafetensorsFile {
  tensors: Record<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** The reference reader refuses headers above 100 MB; so do we. */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

type ArrayCtor = { new (buffer: ArrayBuffer): SafetensorsArrayTypes[SafetensorsDtype]; BYTES_PER_ELEMENT: number; name: string };

const ARRAY_OF: { [K in SafetensorsDtype]: ArrayCtor } = {
  BOOL: Uint8Array, U8: Uint8Array, I8: Int8Array, F8_E5M2: Uint8Array, F8_E4M3: Uint8Array,
  I16: Int16Array, U16: Uint16Array, F16: Uint16Array, BF16: Uint16Array,
  I32: Int32Array, U32: Uint32Array, F32: Float32Array, F64: Float64Array,
  I64: BigInt64Array, U64: BigUint64Array,
};

/** Rank of a dtype in the reference enum order (higher = larger alignment). */
const RANK = new Map<string, number>(SAFETENSORS_DTYPES.map((d, i) => [d, i]));

/** Error thrown for malformed safetensors bytes or unencodable tensors. */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses each `size`-byte group in place (little- ↔ big-endian). */
function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let at = 0; at < bytes.length; at += size) bytes.subarray(at, at + size).reverse();
}

/** ∏shape, or undefined when not a valid shape or when ∏shape × size exceeds 2^53 − 1. */
function elementCount(shape: unknown, size: number): number | undefined {
  if (!Array.isArray(shape)) return undefined;
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) return undefined;
    n *= d;
    if (n * size > Number.MAX_SAFE_INTEGER) return undefined;
  }
  return n;
}

/** Sets an own property, even for names like "__proto__" that plain assignment would misread. */
function define<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const isDtype = (d: unknown): d is SafetensorsDtype => typeof d === 'string' && RANK.has(d);

/**
 * Serialises tensors (and optional string metadata) to safetensors bytes.
 *
 * @throws SafetensorsError for an unknown dtype, a data array of the wrong
 *   type or length for its dtype and shape, the reserved name `__metadata__`,
 *   or a non-string metadata value.
 */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new SafetensorsError('"__metadata__" is reserved and cannot name a tensor');
    if (!isDtype(t.dtype)) throw new SafetensorsError(`tensor "${name}": unknown dtype ${JSON.stringify(t.dtype)}`);
    const ctor = ARRAY_OF[t.dtype];
    if (!(t.data instanceof ctor)) {
      throw new SafetensorsError(`tensor "${name}": ${t.dtype} data must be a ${ctor.name}, got ${Object.prototype.toString.call(t.data).slice(8, -1)}`);
    }
    const n = elementCount(t.shape, 1);
    if (n === undefined) throw new SafetensorsError(`tensor "${name}": shape ${JSON.stringify(t.shape)} is not a list of non-negative integers`);
    if (n !== t.data.length) {
      throw new SafetensorsError(`tensor "${name}": shape [${t.shape.join(', ')}] needs ${n} elements, data has ${t.data.length}`);
    }
  }
  entries.sort(([a, ta], [b, tb]) => RANK.get(tb.dtype)! - RANK.get(ta.dtype)! || (a < b ? -1 : a > b ? 1 : 0));

  // The JSON is assembled by hand: a JS object would move integer-like keys ("0", "1") to the front.
  const parts: string[] = [];
  const metaKeys = Object.keys(metadata ?? {}).sort();
  if (metaKeys.length > 0) {
    const fields = metaKeys.map((k) => {
      const v = metadata![k];
      if (typeof v !== 'string') throw new SafetensorsError(`metadata "${k}" must be a string, got ${typeof v}`);
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    parts.push(`"__metadata__":{${fields.join(',')}}`);
  }
  let offset = 0;
  for (const [name, t] of entries) {
    const end = offset + t.data.byteLength;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const [, t] of entries) {
    const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(raw, at);
    if (!HOST_IS_LITTLE_ENDIAN) swapBytes(out.subarray(at, at + raw.length), ARRAY_OF[t.dtype].BYTES_PER_ELEMENT);
    at += raw.length;
  }
  return out;
}

interface Entry { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }

/** Reads and checks one header entry (everything that does not depend on its neighbours). */
function readEntry(name: string, info: unknown, fail: (d: string) => never): Entry {
  if (typeof info !== 'object' || info === null || Array.isArray(info)) fail(`tensor ${quoted(name)}: header entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (!isDtype(dtype)) fail(`tensor ${quoted(name)}: unknown dtype ${quoted(dtype, 40)} (known: ${SAFETENSORS_DTYPES.join(', ')})`);
  const size = ARRAY_OF[dtype as SafetensorsDtype].BYTES_PER_ELEMENT;
  const n = elementCount(shape, size);
  if (n === undefined) fail(`tensor ${quoted(name)}: shape ${quoted(shape)} is not a list of non-negative integers of safe size`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    fail(`tensor ${quoted(name)}: data_offsets ${quoted(offsets)} is not a pair of non-negative integers`);
  }
  const [begin, end] = offsets as number[];
  if (end < begin) fail(`tensor ${quoted(name)}: data_offsets [${begin}, ${end}] end before they begin`);
  if (end - begin !== n! * size) {
    fail(`tensor ${quoted(name)}: data_offsets [${begin}, ${end}] span ${end - begin} bytes, but ${dtype} shape [${(shape as number[]).join(', ')}] needs ${n! * size}`);
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end };
}

/** Parses the JSON header, checking its shape (not its offsets). */
function readHeader(headerBytes: Uint8Array, fail: (d: string) => never): { entries: Entry[]; metadata: Record<string, string> } {
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    fail('header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail(`header does not start with "{" (starts with ${quoted(text.slice(0, 16))})`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${printable((e as Error).message)})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('header JSON is not an object');
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(json as Record<string, unknown>)) {
    if (name !== '__metadata__') {
      entries.push(readEntry(name, info, fail));
      continue;
    }
    if (typeof info !== 'object' || info === null || Array.isArray(info)) fail('"__metadata__" is not an object');
    for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
      if (typeof v !== 'string') fail(`"__metadata__" value for ${quoted(k)} is not a string`);
      define(metadata, k, v as string);
    }
  }
  return { entries, metadata };
}

/**
 * Parses safetensors bytes. Tensor data are copied into new, aligned typed
 * arrays (converted from little-endian if the host is not).
 *
 * @param name where the bytes came from (e.g. a file name); prefixes every error.
 * @throws SafetensorsError if the file is shorter than 8 bytes, the header
 *   length exceeds the file or 100 MB, the header is not UTF-8 JSON, a dtype is
 *   unknown, a shape or offset is malformed, offsets do not match shape × dtype
 *   size, or the tensors do not tile the data section exactly (gaps, overlaps,
 *   out of range, or trailing bytes).
 */
export function decodeSafetensors(bytes: Uint8Array, name = 'safetensors data'): SafetensorsFile {
  const fail = (detail: string): never => {
    throw new SafetensorsError(`${name}: ${detail}`);
  };
  if (bytes.length < 8) fail(`file has ${bytes.length} bytes, too short for the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) fail(`header length ${n} exceeds the ${MAX_SAFETENSORS_HEADER_BYTES}-byte limit`);
  const headerLength = Number(n);
  if (8 + headerLength > bytes.length) {
    fail(`header length ${headerLength} goes beyond the end of the file (${bytes.length} bytes, ${bytes.length - 8} after the length prefix)`);
  }
  const { entries, metadata } = readHeader(bytes.subarray(8, 8 + headerLength), fail);

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of entries) {
    if (e.end > dataLength) fail(`tensor ${quoted(e.name)}: data_offsets [${e.begin}, ${e.end}] go beyond the ${dataLength}-byte data section`);
    if (e.begin < expected) fail(`tensor ${quoted(e.name)}: data_offsets [${e.begin}, ${e.end}] overlap the previous tensor, which ends at ${expected}`);
    if (e.begin > expected) fail(`tensor ${quoted(e.name)}: data_offsets [${e.begin}, ${e.end}] leave a gap after byte ${expected}`);
    expected = e.end;
  }
  if (expected !== dataLength) fail(`${dataLength - expected} bytes after the last tensor (data section is ${dataLength} bytes, tensors cover ${expected})`);

  const tensors: Record<string, SafetensorsTensor> = {};
  for (const e of entries) {
    const ctor = ARRAY_OF[e.dtype];
    // Copy explicitly: Node's Buffer#slice returns a view, not a copy.
    const copy = new Uint8Array(e.end - e.begin);
    copy.set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    if (!HOST_IS_LITTLE_ENDIAN) swapBytes(copy, ctor.BYTES_PER_ELEMENT);
    define(tensors, e.name, { dtype: e.dtype, shape: e.shape, data: new ctor(copy.buffer) } as SafetensorsTensor);
  }
  return { tensors, metadata };
}
