/**
 * Picks the TF.js backend for the page. WebGL when the GPU is real; on a
 * software renderer (SwiftShader, llvmpipe: headless Chromium without a GPU)
 * WebGL is slower than wasm for these small MLPs, so wasm (XNNPACK, SIMD)
 * is used, and cpu when wasm fails to start. `?backend=webgl|wasm|cpu` in
 * the page's URL forces a choice.
 *
 * The wasm backend fetches its .wasm binaries from /tfjs-wasm/ (copied there
 * by the build); the page is not cross-origin isolated, so TF.js picks the
 * single-threaded SIMD build.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '../core/engine/gradients.js';
import { installTransposeFreeMatMul } from '../core/engine/transpose-free-matmul.js';
import { installWasmKernels } from '../core/engine/wasm-kernels.js';

export const BACKENDS = ['webgl', 'wasm', 'cpu'] as const;
export type Backend = (typeof BACKENDS)[number];

/** The WebGL renderer's name, or null when WebGL is unavailable. */
export function webglRenderer(): string | null {
  const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
  if (!gl) return null;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
}

/** True for renderers that run on the CPU. */
export function isSoftwareRenderer(renderer: string): boolean {
  return /swiftshader|llvmpipe|software|softpipe/i.test(renderer);
}

function preferred(): Backend[] {
  const forced = new URLSearchParams(location.search).get('backend');
  if (forced && (BACKENDS as readonly string[]).includes(forced)) return [forced as Backend];
  const renderer = webglRenderer();
  return renderer && !isSoftwareRenderer(renderer) ? ['webgl', 'wasm', 'cpu'] : ['wasm', 'cpu'];
}

/** Initialises the first backend that starts; returns its name. */
export async function initBackend(): Promise<Backend> {
  setWasmPaths(new URL('tfjs-wasm/', location.href).href);
  for (const name of preferred()) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        if (name === 'wasm') {
          installTransposeFreeMatMul('wasm');
          installWasmKernels('wasm');
        }
        return name;
      }
    } catch (e) {
      console.warn(`backend ${name} failed to start`, e);
    }
  }
  throw new Error('no TensorFlow.js backend could start');
}
