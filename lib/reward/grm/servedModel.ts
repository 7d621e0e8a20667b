import type { LoadedManifest } from "../manifest.js";
import type { GraphRunner, RewardModel } from "../model.js";
import { GrmClient } from "./client.js";

/** Where a grm model's requests go and with which key; the key is read from the environment only. */
export interface ServedModelOptions {
  /** The node's `grm_endpoint` parameter; empty or absent: the manifest's grm.endpoint. */
  readonly endpoint?: string;
  /** Defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface ServedModel {
  readonly model: RewardModel;
  readonly client: GrmClient;
}

/**
 * A checked grm manifest as the pipeline's RewardModel (name, sha256, views; provider "http") with the HTTP
 * client that serves it. It has no ONNX graphs: its encoder and head refuse to run, naming the model.
 */
export function servedModel(loaded: LoadedManifest, options: ServedModelOptions = {}): ServedModel {
  const m = loaded.manifest;
  const spec = m.grm;
  if (m.kind !== "grm" || !spec) throw new Error(`model '${m.name}' is not a grm model`);
  const endpoint = options.endpoint || spec.endpoint;
  try {
    const url = new URL(endpoint);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
  } catch {
    throw new Error(
      `grm endpoint '${endpoint}' is not an http(s) URL (grm_endpoint parameter or grm.endpoint)`,
    );
  }
  let apiKey: string | undefined;
  if (spec.api_key_env) {
    apiKey = (options.env ?? process.env)[spec.api_key_env];
    if (!apiKey) {
      throw new Error(
        `model '${m.name}': environment variable ${spec.api_key_env} (grm.api_key_env) is not set; it holds the API key`,
      );
    }
  }
  const client = new GrmClient({
    endpoint,
    timeoutMs: spec.timeout_ms,
    maxInFlight: spec.max_in_flight,
    apiKey,
  });
  const none: GraphRunner = {
    run: () => Promise.reject(new Error(`model '${m.name}' is served over HTTP (kind grm): no ONNX graphs`)),
  };
  const model: RewardModel = {
    ...loaded,
    provider: "http",
    encoder: none,
    head: none,
    release: async () => client.close(),
  };
  return { model, client };
}
