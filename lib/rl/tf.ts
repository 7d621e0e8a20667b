/**
 * The autodiff library for the learner: TensorFlow.js on its WebAssembly backend (XNNPACK kernels; the
 * .wasm files ship inside the npm package, nothing is downloaded). tfjs-node would be faster still but its
 * install downloads libtensorflow, which is not possible here. Every module of the learner imports tf from
 * here so the backend is chosen exactly once.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";

// PROD silences tfjs's console banners about installing tfjs-node.
tf.env().set("PROD", true);
await tf.setBackend("wasm");

export { tf };
