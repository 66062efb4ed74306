/**
 * Makes sure TF.js's gradient functions are registered. tfjs-core ships them
 * apart from the ops (for tree-shaking), and its Node bundle does not register
 * them; the tfjs-layers bundle carries and registers all of them on load.
 * Everything that differentiates imports this module, so gradients work
 * whichever module happens to load first.
 */
import '@tensorflow/tfjs-layers';
