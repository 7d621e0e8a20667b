// The reward pipeline's configuration in the pipeline's own tests: three raw cameras, no rate limit.
import type { PipelineConfig } from "../pipeline.js";

/** A fresh config for three Image cameras /a, /b, /c (wait for missing views, γ 0.9, δ 0.05), with `overrides`. */
export function testPipelineConfig(overrides: Partial<PipelineConfig> = {}): PipelineConfig {
  return {
    nodeName: "reward",
    cameras: ["/a", "/b", "/c"].map((topic) => ({ topic, type: "Image" as const })),
    slopMs: 5,
    maxAgeMs: 500,
    missingViewPolicy: "wait",
    gamma: 0.9,
    successDelta: 0.05,
    rewardRateHz: 0,
    ...overrides,
  };
}
