import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeSafetensors,
  encodeSafetensors,
  SafetensorsError,
  type SafetensorsTensor,
} from '../src/core/io/safetensors.js';

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const le64 = (n: number | bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
};
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
/** A file from a header string (ASCII) and data bytes; the length prefix is the header's length. */
const file = (header: string, data: Uint8Array = new Uint8Array(0)) => concat(le64(header.length), ascii(header), data);
const f32Bytes = (xs: number[]) => new Uint8Array(Float32Array.from(xs).buffer);

function throwsSt(fn: () => unknown, pattern: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SafetensorsError, `expected SafetensorsError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('safetensors round trips', () => {
  const tensors: Record<string, SafetensorsTensor> = {
    f32: { dtype: 'F32', shape: [2, 3], data: Float32Array.from([0, -0, 1.5, -2.25, Infinity, NaN]) },
    f64: { dtype: 'F64', shape: [2], data: Float64Array.from([Math.PI, -1e300]) },
    f16: { dtype: 'F16', shape: [3], data: Uint16Array.from([0x3c00, 0xc000, 0x7c00]) },
    bf16: { dtype: 'BF16', shape: [1, 2], data: Uint16Array.from([0x3f80, 0xff80]) },
    i8: { dtype: 'I8', shape: [3], data: Int8Array.from([-128, 0, 127]) },
    u8: { dtype: 'U8', shape: [1], data: Uint8Array.from([255]) },
    i16: { dtype: 'I16', shape: [2], data: Int16Array.from([-32768, 32767]) },
    i32: { dtype: 'I32', shape: [2, 1], data: Int32Array.from([-(2 ** 31), 2 ** 31 - 1]) },
    i64: { dtype: 'I64', shape: [2], data: BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n]) },
    u64: { dtype: 'U64', shape: [1], data: BigUint64Array.from([2n ** 64n - 1n]) },
    bool: { dtype: 'BOOL', shape: [3], data: Uint8Array.from([1, 0, 1]) },
    scalar: { dtype: 'F32', shape: [], data: Float32Array.from([42]) },
    empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
    'héllo ✓ "quoted"\n': { dtype: 'U8', shape: [1], data: Uint8Array.from([7]) },
    '0': { dtype: 'U8', shape: [1], data: Uint8Array.from([1]) },
    __proto__x: { dtype: 'U8', shape: [0], data: new Uint8Array(0) },
  };
  const metadata = { format: 'pt', note: 'ünïcode, "quotes" and \\ backslash' };

  test('every dtype, 0-d and empty tensors, metadata', () => {
    const decoded = decodeSafetensors(encodeSafetensors(tensors, metadata));
    assert.deepEqual(decoded.metadata, metadata);
    assert.deepEqual(Object.keys(decoded.tensors).sort(), Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const d = decoded.tensors[name];
      assert.equal(d.dtype, t.dtype, name);
      assert.deepEqual(d.shape, t.shape, name);
      assert.equal(d.data.constructor, t.data.constructor, name);
      assert.deepEqual(Array.from(d.data as ArrayLike<unknown>), Array.from(t.data as ArrayLike<unknown>), name);
    }
  });

  test('every tensor starts at a multiple of its element size; output is deterministic', () => {
    const bytes = encodeSafetensors(tensors, metadata);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal(n % 8, 0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    for (const [name, info] of Object.entries<{ dtype: string; data_offsets: number[] }>(header)) {
      if (name === '__metadata__') continue;
      const size = tensors[name].data.BYTES_PER_ELEMENT;
      assert.equal((8 + n + info.data_offsets[0]) % size, 0, name);
    }
    const reversed = Object.fromEntries(Object.entries(tensors).reverse());
    assert.deepEqual(encodeSafetensors(reversed, { note: metadata.note, format: 'pt' }), bytes);
  });

  test('a tensor named "__proto__" is an ordinary tensor', () => {
    const bytes = file('{"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', Uint8Array.from([5]));
    const { tensors: t } = decodeSafetensors(bytes);
    assert.ok(Object.hasOwn(t, '__proto__'));
    assert.deepEqual(Array.from(t['__proto__'].data as Uint8Array), [5]);
    assert.equal(Object.getPrototypeOf(t), Object.prototype);
  });

  test('reads from Buffers and views with a byteOffset; results own aligned copies', () => {
    const bytes = encodeSafetensors({ x: { dtype: 'F64', shape: [2], data: Float64Array.from([1, 2]) } });
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    for (const input of [shifted.subarray(3), Buffer.from(bytes)]) {
      const x = decodeSafetensors(input).tensors.x;
      assert.deepEqual(Array.from(x.data as Float64Array), [1, 2]);
      assert.equal(x.data.byteLength, x.data.buffer.byteLength);
    }
  });

  test('reads headers in any order (offset order decides, as in other writers)', () => {
    const header = '{"b":{"dtype":"U8","shape":[1],"data_offsets":[4,5]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
    const { tensors: t } = decodeSafetensors(file(header, concat(f32Bytes([2]), Uint8Array.from([9]))));
    assert.deepEqual(Array.from(t.a.data as Float32Array), [2]);
    assert.deepEqual(Array.from(t.b.data as Uint8Array), [9]);
  });
});

describe('safetensors exact bytes (checked by hand)', () => {
  test('one F32 tensor: 64-byte header needs no padding', () => {
    const data = [0, 1, 2, 3, 4, 5];
    const bytes = encodeSafetensors({ 'attn.0': { dtype: 'F32', shape: [1, 2, 3], data: Float32Array.from(data) } });
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    assert.equal(header.length, 64);
    assert.deepEqual(bytes, concat(le64(64), ascii(header), f32Bytes(data)));
    assert.deepEqual(Array.from(bytes.subarray(0, 8)), [64, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(bytes.subarray(72, 80)), [0, 0, 0, 0, 0, 0, 0x80, 0x3f]); // 0.0f, 1.0f LE
  });
  test('header padded with spaces to a multiple of 8', () => {
    const bytes = encodeSafetensors({ attn0: { dtype: 'F32', shape: [1, 1, 2, 3], data: new Float32Array(6) } });
    const header = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
    assert.equal(header.length, 65);
    assert.deepEqual(bytes, concat(le64(72), ascii(header + ' '.repeat(7)), new Uint8Array(24)));
  });
  test('no tensors, with and without metadata; __metadata__ comes first', () => {
    assert.deepEqual(encodeSafetensors({}), file('{}      '));
    assert.deepEqual(encodeSafetensors({}, { framework: 'pt' }), file('{"__metadata__":{"framework":"pt"}}     '));
    const both = encodeSafetensors({ w: { dtype: 'U8', shape: [1], data: Uint8Array.from([3]) } }, { b: '2', a: '1' });
    const header = '{"__metadata__":{"a":"1","b":"2"},"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}';
    assert.deepEqual(both, file(header + ' '.repeat(8 - (header.length % 8)), Uint8Array.from([3])));
  });
  test('sorted by element size (largest first), then name', () => {
    const bytes = encodeSafetensors({
      b: { dtype: 'U8', shape: [3], data: Uint8Array.from([1, 2, 3]) },
      z: { dtype: 'F32', shape: [1], data: Float32Array.from([1]) },
      a: { dtype: 'F32', shape: [1], data: Float32Array.from([2]) },
      c: { dtype: 'I64', shape: [], data: BigInt64Array.from([-1n]) },
    });
    const header =
      '{"c":{"dtype":"I64","shape":[],"data_offsets":[0,8]},' +
      '"a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},' +
      '"z":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},' +
      '"b":{"dtype":"U8","shape":[3],"data_offsets":[16,19]}}';
    const padded = header + ' '.repeat((8 - (header.length % 8)) % 8);
    const data = concat(new Uint8Array(8).fill(0xff), f32Bytes([2]), f32Bytes([1]), Uint8Array.from([1, 2, 3]));
    assert.deepEqual(bytes, file(padded, data));
  });
});

describe('safetensors corrupt files', () => {
  const ok = (begin = 0, end = 4, extra = '') =>
    `{"a":{"dtype":"F32","shape":[1],"data_offsets":[${begin},${end}]}${extra}}`;
  const four = new Uint8Array(4);
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty input', new Uint8Array(0), /0 bytes, too short for the 8-byte header length/],
    ['short length prefix', new Uint8Array(5), /5 bytes, too short/],
    ['header length beyond the file', concat(le64(100), ascii('{}')), /header length 100 goes beyond the end of the file \(10 bytes/],
    ['absurd header length', concat(le64(2n ** 63n), ascii('{}')), /exceeds the 100000000-byte limit/],
    ['invalid UTF-8', concat(le64(4), Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d])), /not valid UTF-8/],
    ['not starting with {', file('  {}'), /does not start with "\{"/],
    ['bad JSON', file('{"a":'), /not valid JSON/],
    ['JSON array', file('[1,2]'), /does not start with "\{"/],
    ['entry not an object', file('{"a":3}'), /tensor "a": header entry is not an object/],
    ['unknown dtype', file('{"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}', new Uint8Array(16)), /tensor "a": unknown dtype "F128"/],
    ['missing dtype', file('{"a":{"shape":[1],"data_offsets":[0,4]}}', four), /unknown dtype undefined/],
    ['negative shape', file('{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}'), /shape \[-1\] is not a list/],
    ['shape not a list', file('{"a":{"dtype":"U8","shape":"3","data_offsets":[0,3]}}', new Uint8Array(3)), /shape "3" is not a list/],
    ['overflowing shape', file('{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}', new Uint8Array(8)), /not a list of non-negative integers of safe size/],
    ['offsets not a pair', file(ok(0, 4).replace('[0,4]', '[0,4,8]'), four), /data_offsets \[0,4,8\] is not a pair/],
    ['fractional offsets', file(ok(0, 4).replace('[0,4]', '[0.5,4]'), four), /is not a pair of non-negative integers/],
    ['end before begin', file(ok(4, 0), four), /data_offsets \[4, 0\] end before they begin/],
    ['size mismatch', file(ok(0, 8), new Uint8Array(8)), /span 8 bytes, but F32 shape \[1\] needs 4/],
    ['out of range', file(ok(0, 4), new Uint8Array(2)), /go beyond the 2-byte data section/],
    ['gap', file(ok(4, 8), new Uint8Array(8)), /leave a gap after byte 0/],
    ['overlap', file(ok(0, 4, ',"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}'), four), /overlap the previous tensor, which ends at (2|4)/],
    ['trailing bytes', file(ok(0, 4), new Uint8Array(6)), /2 bytes after the last tensor/],
    ['metadata not an object', file('{"__metadata__":["x"]}'), /"__metadata__" is not an object/],
    ['metadata value not a string', file('{"__metadata__":{"epochs":10}}'), /value for "epochs" is not a string/],
  ];
  for (const [label, bytes, pattern] of cases) {
    test(label, () => throwsSt(() => decodeSafetensors(bytes), pattern));
  }
  test('values from the header are quoted on one line and cut short', () => {
    const long = 'x'.repeat(5000);
    assert.throws(() => decodeSafetensors(file(`{"a":{"dtype":"${long}","shape":[1],"data_offsets":[0,4]}}`, new Uint8Array(4))), (e: unknown) => {
      assert.ok(e instanceof SafetensorsError);
      assert.match(e.message, /^safetensors data: tensor "a": unknown dtype "x{30,}…/);
      assert.ok(e.message.length < 300, `${e.message.length} characters`);
      return true;
    });
    // A name holding a line break that looks like a stack frame stays escaped on its line.
    throwsSt(() => decodeSafetensors(file('{"a\\n    at evil (x.js:1:1)":{"dtype":"F32","shape":[1],"data_offsets":[0,3]}}', new Uint8Array(3))),
      /^safetensors data: tensor "a\\n    at evil \(x\.js:1:1\)": data_offsets \[0, 3\] span 3 bytes/);
    throwsSt(() => decodeSafetensors(file('{"a":[1,\n    at x]}')), /^safetensors data: header is not valid JSON \([^\n]*\[1,\\n    at x\]/);
  });

  test('errors name the source', () => {
    throwsSt(() => decodeSafetensors(new Uint8Array(0), 'weights.safetensors'), /^weights\.safetensors: /);
  });
});

describe('encodeSafetensors rejects bad input', () => {
  const enc = (t: unknown, m?: unknown) => () => encodeSafetensors(t as Record<string, SafetensorsTensor>, m as Record<string, string>);
  test('wrong array type, length, shape, dtype, names, metadata', () => {
    throwsSt(enc({ x: { dtype: 'F32', shape: [2], data: Float64Array.from([1, 2]) } }), /F32 data must be a Float32Array, got Float64Array/);
    throwsSt(enc({ x: { dtype: 'I64', shape: [1], data: Int32Array.from([1]) } }), /must be a BigInt64Array/);
    throwsSt(enc({ x: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) } }), /shape \[2, 2\] needs 4 elements, data has 3/);
    throwsSt(enc({ x: { dtype: 'F32', shape: [-1], data: new Float32Array(0) } }), /not a list of non-negative integers/);
    throwsSt(enc({ x: { dtype: 'F128', shape: [1], data: new Float32Array(1) } }), /unknown dtype "F128"/);
    throwsSt(enc({ __metadata__: { dtype: 'U8', shape: [0], data: new Uint8Array(0) } }), /reserved/);
    throwsSt(enc({}, { epochs: 10 }), /metadata "epochs" must be a string/);
  });
});
