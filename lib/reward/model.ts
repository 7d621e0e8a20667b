import { join } from "node:path";
import * as ort from "onnxruntime-node";
import type { Logger } from "../node/log.js";
import { ModelContractError, onnxGraphs, type GraphSpec, type LoadedManifest } from "./manifest.js";

export type Provider = "tensorrt" | "cuda" | "cpu";
export const PROVIDERS: readonly Provider[] = ["tensorrt", "cuda", "cpu"];

export type Feeds = Record<string, ort.Tensor>;

/** What the reward logic needs from a graph; the ONNX session, or a wrapper in tests. */
export interface GraphRunner {
  run(feeds: Feeds): Promise<Record<string, ort.Tensor>>;
}

export interface RewardModel extends LoadedManifest {
  /** The execution provider actually used for both graphs; "http" for a served (grm) model. */
  readonly provider: Provider | "http";
  readonly encoder: GraphRunner;
  readonly head: GraphRunner;
  release(): Promise<void>;
}

export interface ModelOptions {
  /** Tried in order; the first with which both graphs load is used, each failure is logged. */
  readonly providers: readonly Provider[];
  /** Intra-op threads for the CPU provider; 0 lets ONNX Runtime choose. */
  readonly threads: number;
  readonly log: Logger;
}

/** The session's declared inputs/outputs must be exactly the manifest's (names, dtypes, fixed dims). */
export function checkSignature(
  dir: string,
  spec: GraphSpec,
  inputs: readonly ort.InferenceSession.ValueMetadata[],
  outputs: readonly ort.InferenceSession.ValueMetadata[],
): void {
  const compare = (
    kind: string,
    declared: GraphSpec["inputs"],
    actual: readonly ort.InferenceSession.ValueMetadata[],
  ) => {
    const names = actual.map((a) => a.name).sort();
    const wanted = declared.map((d) => d.name).sort();
    if (names.join() !== wanted.join()) {
      throw new ModelContractError(dir, `${spec.file}: ${kind} are [${names}], manifest says [${wanted}]`);
    }
    for (const d of declared) {
      const a = actual.find((x) => x.name === d.name)!;
      if (!a.isTensor || a.type !== d.dtype) {
        throw new ModelContractError(
          dir,
          `${spec.file}: ${kind} '${d.name}' is ${a.isTensor ? a.type : "not a tensor"}, manifest says ${d.dtype}`,
        );
      }
      const same =
        a.shape.length === d.shape.length &&
        a.shape.every((dim, i) =>
          typeof d.shape[i] === "number" ? dim === d.shape[i] : typeof dim !== "number",
        );
      if (!same) {
        throw new ModelContractError(
          dir,
          `${spec.file}: ${kind} '${d.name}' has shape ${JSON.stringify(a.shape)}, manifest says ${JSON.stringify(d.shape)}`,
        );
      }
    }
  };
  compare("inputs", spec.inputs, inputs);
  compare("outputs", spec.outputs, outputs);
}

/** Loads both graphs of a checked manifest on the first provider that works. */
export async function loadModel(loaded: LoadedManifest, options: ModelOptions): Promise<RewardModel> {
  const { dir, manifest } = loaded;
  const graphs = onnxGraphs(manifest);
  const failures: string[] = [];
  for (const provider of options.providers) {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: [provider],
      graphOptimizationLevel: "all",
      // ORT's idle workers spin by default; here they would steal the cores sharp needs for the next frames.
      extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
      ...(options.threads > 0 ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
    };
    let encoder: ort.InferenceSession | undefined;
    let head: ort.InferenceSession | undefined;
    try {
      encoder = await ort.InferenceSession.create(join(dir, graphs.encoder.file), sessionOptions);
      head = await ort.InferenceSession.create(join(dir, graphs.head.file), sessionOptions);
    } catch (err) {
      await encoder?.release();
      const reason = (err as Error).message.split("\n")[0];
      failures.push(`${provider}: ${reason}`);
      options.log.warn(`execution provider '${provider}' unavailable (${reason}); trying the next one`);
      continue;
    }
    try {
      checkSignature(dir, graphs.encoder, encoder.inputMetadata, encoder.outputMetadata);
      checkSignature(dir, graphs.head, head.inputMetadata, head.outputMetadata);
    } catch (err) {
      await encoder.release();
      await head.release();
      throw err;
    }
    options.log.once(
      "info",
      "provider",
      `model '${manifest.name}' (${loaded.sha256.slice(0, 12)}) on execution provider '${provider}'`,
    );
    const e = encoder;
    const h = head;
    // ONNX Runtime throws "Session already disposed" on a second release; a node stopped twice (a shutdown
    // signal during stop, a test's cleanup) must not fail on it.
    let released: Promise<void> | undefined;
    return {
      ...loaded,
      provider,
      encoder: e,
      head: h,
      release: () =>
        (released ??= (async () => {
          await e.release();
          await h.release();
        })()),
    };
  }
  throw new Error(`model ${dir}: no execution provider could load it (${failures.join("; ")})`);
}
