/**
 * 2-D convolutions on the wasm backend as matrix products: patches of the
 * input are laid out as rows (im2col, kernels/conv.wat) and multiplied by
 * the kernel with kernels/gemm.wat.
 *
 * With x [B, H, W, C] (NHWC), a kernel w [kh, kw, C, N] read as the matrix
 * [kh·kw·C, N], and the patch matrix P [B·oh·ow, kh·kw·C]
 * (P[(b, y, x), (i, j, c)] = x[b, y·sh + i − pt, x·sw + j − pl, c]):
 *
 *   Conv2D               y  = P · w                      [B·oh·ow, N] = [B, oh, ow, N]
 *   Conv2DBackpropFilter dw = Pᵀ · dy                    [kh·kw·C, N] = [kh, kw, C, N]
 *   Conv2DBackpropInput  dx = col2im(dy · wᵀ)            [B, H, W, C]
 *
 * Why: TF.js's wasm backend has no Conv2DBackpropFilter kernel at all (the
 * filter gradient of every convolution fails there), and its
 * Conv2DBackpropInput — the input gradient of a convolution and the forward
 * pass of a transposed convolution — is a scalar loop (~2 GFLOP/s). The
 * products here run at the GEMM's speed. Conv2D and FusedConv2D (bias and
 * linear/ReLU fused into the product) are replaced too, so the forward and
 * backward passes share one implementation. Dilated or NCHW convolutions,
 * other activations and other dtypes go to TF.js's own kernels.
 */
import * as tf from '@tensorflow/tfjs-core';

type Exports = Record<string, (...args: number[]) => void>;
type KernelFunc = tf.KernelConfig['kernelFunc'];
type Args = Parameters<KernelFunc>[0];
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

interface WasmBackendInternals {
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  disposeData(id: object): boolean;
}

/** The filter gradient's kernel name (tfjs-core's). */
export const CONV2D_BACKPROP_FILTER = 'Conv2DBackpropFilter';

/** A convolution's sizes: input [batch, h, w, c], kernel [kh, kw, c, n], output [batch, oh, ow, n]. */
interface Geometry {
  readonly batch: number; readonly h: number; readonly w: number; readonly c: number;
  readonly kh: number; readonly kw: number; readonly n: number;
  readonly sh: number; readonly sw: number; readonly pt: number; readonly pl: number;
  readonly oh: number; readonly ow: number;
}

/**
 * The geometry of a float32 NHWC convolution without dilation, or null when
 * the arguments are outside what these kernels cover (other layouts,
 * dilation, empty tensors).
 */
function geometry(xShape: readonly number[], filterShape: readonly number[], attrs: {
  strides: number | [number, number]; pad: Pad; dataFormat?: 'NHWC' | 'NCHW'; dilations?: number | [number, number]; dimRoundingMode?: 'floor' | 'round' | 'ceil';
}): Geometry | null {
  if (xShape.length !== 4 || filterShape.length !== 4 || (attrs.dataFormat ?? 'NHWC') !== 'NHWC') return null;
  const dilations = attrs.dilations ?? 1;
  if (!(Array.isArray(dilations) ? dilations : [dilations]).every((d) => d === 1)) return null;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode,
  );
  // An empty batch or image is left to TF.js's kernels.
  if ([...info.inShape, ...info.outShape, ...filterShape].some((d) => d === 0)) return null;
  return {
    batch: info.batchSize, h: info.inHeight, w: info.inWidth, c: info.inChannels, kh: info.filterHeight, kw: info.filterWidth, n: info.outChannels,
    sh: info.strideHeight, sw: info.strideWidth, pt: info.padInfo.top, pl: info.padInfo.left, oh: info.outHeight, ow: info.outWidth,
  };
}

/** True when the patch matrix is the input itself (a 1×1 kernel, stride 1, no padding). */
const isPointwise = (g: Geometry): boolean => g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.pt === 0 && g.pl === 0;

const patchArgs = (g: Geometry): number[] => [g.batch, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.oh, g.ow];

/**
 * Floats of the left operand one product call works on: 256 KB, which stays
 * in the L2 cache while every column panel of the right operand passes over
 * it. (gemm.wat packs all of A, then runs each 8-column panel of B over it:
 * for a patch matrix of several MB that streams A from memory once per
 * panel. Blocked, the 14×14×32 → 7×7×64 convolution's three kernels ran
 * ≈ 15 % faster; 128 KB to 1 MB blocks measured alike.)
 */
const BLOCK_FLOATS = 65536;

/** Byte strides of an operand: [rows, columns] of the matrix it is read as. */
type Strides = readonly [number, number];

class ConvRunner {
  constructor(private readonly exports: Exports, private readonly backend: WasmBackendInternals, private readonly singlePass = false) {}

  offset(t: tf.TensorInfo): number {
    return this.backend.dataIdMap.get(t.dataId).memoryOffset;
  }

  temporary(floats: number): tf.TensorInfo {
    return this.backend.makeOutput([floats], 'float32');
  }

  dispose(t: tf.TensorInfo): void {
    this.backend.disposeData(t.dataId);
  }

  /** The patch matrix of `x` (a new buffer, or x itself for a pointwise convolution). */
  patches(x: tf.TensorInfo, g: Geometry): tf.TensorInfo {
    if (isPointwise(g)) return x;
    const cols = this.temporary(g.batch * g.oh * g.ow * g.kh * g.kw * g.c);
    this.exports.im2col(this.offset(x), this.offset(cols), ...patchArgs(g));
    return cols;
  }

  /**
   * C [m, n] (row-major at byte offset c) = A · B (+ bias, ReLU: flags 1 | 2),
   * A(i, k) = a[i·sa[0] + k·sa[1]], B(k, j) = b[k·sb[0] + j·sb[1]] (byte
   * offsets and strides), in blocks of A's rows that fit the cache.
   */
  product(c: number, a: number, sa: Strides, b: number, sb: Strides, m: number, n: number, k: number, bias = 0, flags = 0): void {
    if (this.singlePass) {
      this.exports.gemm(a, sa[0], sa[1], b, sb[0], sb[1], c, 4 * n, m, n, k, bias, flags, 0);
      return;
    }
    const block = Math.min(m, Math.max(5, 5 * Math.floor(BLOCK_FLOATS / Math.max(1, k) / 5)));
    const scratch = this.temporary(5 * Math.ceil(block / 5) * k + 8 * k + 1);
    for (let row = 0; row < m; row += block) {
      this.exports.gemm(a + row * sa[0], sa[0], sa[1], b, sb[0], sb[1], c + row * 4 * n, 4 * n, Math.min(block, m - row), n, k, bias, flags, this.offset(scratch));
    }
    this.dispose(scratch);
  }

  /** y = act(P · w + bias): [batch, oh, ow, n]. */
  forward(x: tf.TensorInfo, filter: tf.TensorInfo, g: Geometry, bias?: tf.TensorInfo, relu = false): tf.TensorInfo {
    const out = this.backend.makeOutput([g.batch, g.oh, g.ow, g.n], 'float32');
    const rows = g.batch * g.oh * g.ow;
    const depth = g.kh * g.kw * g.c;
    const cols = this.patches(x, g);
    this.product(this.offset(out), this.offset(cols), [4 * depth, 4], this.offset(filter), [4 * g.n, 4], rows, g.n, depth,
      bias ? this.offset(bias) : 0, (bias ? 1 : 0) | (relu ? 2 : 0));
    if (cols !== x) this.dispose(cols);
    return out;
  }

  /**
   * dw = Pᵀ · dy: [kh, kw, c, n]. The sum runs over every output position
   * of the batch, so it is taken in blocks of positions (each block's Pᵀ
   * small enough to stay in the cache) whose products are added up.
   */
  filterGradient(x: tf.TensorInfo, dy: tf.TensorInfo, g: Geometry): tf.TensorInfo {
    const out = this.backend.makeOutput([g.kh, g.kw, g.c, g.n], 'float32');
    const rows = g.batch * g.oh * g.ow;
    const depth = g.kh * g.kw * g.c;
    const size = depth * g.n;
    const cols = this.patches(x, g);
    const block = this.singlePass ? rows : Math.max(8, Math.floor(BLOCK_FLOATS / depth));
    const partial = rows > block ? this.temporary(size) : undefined;
    for (let row = 0; row < rows; row += block) {
      const target = row === 0 ? out : partial!;
      this.product(this.offset(target), this.offset(cols) + 4 * row * depth, [4, 4 * depth], this.offset(dy) + 4 * row * g.n, [4 * g.n, 4],
        depth, g.n, Math.min(block, rows - row));
      if (row > 0) this.exports.addto(this.offset(partial!), this.offset(out), size);
    }
    if (partial) this.dispose(partial);
    if (cols !== x) this.dispose(cols);
    return out;
  }

  /** dx = col2im(dy · wᵀ): [batch, h, w, c]. */
  inputGradient(dy: tf.TensorInfo, filter: tf.TensorInfo, g: Geometry): tf.TensorInfo {
    const rows = g.batch * g.oh * g.ow;
    const depth = g.kh * g.kw * g.c;
    const pointwise = isPointwise(g);
    const cols = pointwise ? this.backend.makeOutput([g.batch, g.h, g.w, g.c], 'float32') : this.temporary(rows * depth);
    this.product(this.offset(cols), this.offset(dy), [4 * g.n, 4], this.offset(filter), [4, 4 * g.n], rows, depth, g.n);
    if (pointwise) return cols;
    const out = this.backend.makeOutput([g.batch, g.h, g.w, g.c], 'float32');
    this.exports.col2im(this.offset(cols), this.offset(out), ...patchArgs(g));
    this.dispose(cols);
    return out;
  }
}

const allFloat = (...ts: (tf.TensorInfo | undefined)[]): boolean => ts.every((t) => !t || t.dtype === 'float32');

/** The backend's own convolution kernels, kept the first time they are replaced. */
const originals = new Map<string, tf.KernelConfig | undefined>();

/**
 * Replaces (or, for the filter gradient, adds) the wasm backend's convolution
 * kernels. `singlePass`: the product blocks for the cache and splits over
 * threads by itself (the native engine), so each product is one call.
 */
export function registerWasmConvKernels(backendName: string, exports: Exports, singlePass = false): void {
  const runner = (args: Args) => new ConvRunner(exports, args.backend as unknown as WasmBackendInternals, singlePass);
  const replace = (name: string, run: (args: Args) => tf.TensorInfo | null) => {
    const key = `${backendName}/${name}`;
    if (!originals.has(key)) originals.set(key, tf.getKernel(name, backendName));
    const original = originals.get(key);
    if (tf.getKernel(name, backendName)) tf.unregisterKernel(name, backendName);
    tf.registerKernel({
      ...(original ?? {}), kernelName: name, backendName,
      kernelFunc: (args) => {
        const out = run(args);
        if (out) return out;
        if (!original) throw new Error(`${name} on ${backendName}: only float32 NHWC convolutions without dilation are supported`);
        return original.kernelFunc(args);
      },
    });
  };
  replace('Conv2D', (args) => {
    const { x, filter } = args.inputs as Record<string, tf.TensorInfo>;
    const g = allFloat(x, filter) ? geometry(x.shape, filter.shape, args.attrs as never) : null;
    return g && runner(args).forward(x, filter, g);
  });
  replace('FusedConv2D', (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const { activation } = args.attrs as { activation?: string };
    if (!x || !filter || preluActivationWeights || (activation !== 'linear' && activation !== 'relu')) return null;
    const g = allFloat(x, filter, bias) ? geometry(x.shape, filter.shape, args.attrs as never) : null;
    if (!g || (bias && (bias.shape.length !== 1 || bias.shape[0] !== g.n))) return null;
    return runner(args).forward(x, filter, g, bias, activation === 'relu');
  });
  replace(CONV2D_BACKPROP_FILTER, (args) => {
    const { x, dy } = args.inputs as Record<string, tf.TensorInfo>;
    const attrs = args.attrs as unknown as { filterShape: [number, number, number, number] };
    const g = allFloat(x, dy) ? geometry(x.shape, attrs.filterShape, args.attrs as never) : null;
    return g && runner(args).filterGradient(x, dy, g);
  });
  replace('Conv2DBackpropInput', (args) => {
    const { dy, filter } = args.inputs as Record<string, tf.TensorInfo>;
    const attrs = args.attrs as unknown as { inputShape: [number, number, number, number] };
    const g = allFloat(dy, filter) ? geometry(attrs.inputShape, filter.shape, args.attrs as never) : null;
    return g && runner(args).inputGradient(dy, filter, g);
  });
}
