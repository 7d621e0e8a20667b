import { z } from "zod";
import { FUSION_MODES } from "../../lib/reward/fusion.js";
import { PROVIDERS } from "../../lib/reward/model.js";
import { SUCCESS_SOURCES, type SuccessSource } from "../../lib/reward/shaping.js";

/** The reward node's parameters; the names are fixed by issue 6 so YAML, launch files and scripts agree. */
export const rewardParameters = z.object({
  camera_topics: z
    .array(z.string().min(1))
    .min(1)
    .default(["/camera/front/image_raw", "/camera/side/image_raw", "/camera/wrist/image_raw"])
    .describe(
      "camera topics; without camera_views the i-th topic serves the i-th model view, and views past the last topic are masked (degraded)",
    ),
  camera_views: z
    .array(z.string())
    .default([])
    .describe(
      "per camera topic, the model view(s) it serves: a name, names joined by commas (front,side,wrist), or * for all; empty = by position",
    ),
  camera_types: z
    .array(z.enum(["Image", "CompressedImage"]))
    .default([])
    .describe("message type per camera topic (sensor_msgs/msg/<type>); empty = all Image"),
  sync_slop_ms: z.number().nonnegative().default(20).describe("largest stamp spread inside one synced group"),
  max_age_ms: z
    .number()
    .positive()
    .default(250)
    .describe("a view this much behind the newest frame is missing"),
  missing_view_policy: z
    .enum(["wait", "degrade"])
    .default("degrade")
    .describe("wait: no reward until every view is back; degrade: reward without it, status degraded"),
  model: z.string().min(1).default("models/hop_pick_place").describe("model folder with manifest.json"),
  providers: z
    .array(z.enum(PROVIDERS as [string, ...string[]]))
    .min(1)
    .default(["cuda", "cpu"])
    .describe("ONNX Runtime execution providers to try in order"),
  ort_threads: z
    .number()
    .int()
    .nonnegative()
    .default(0)
    .describe("intra-op threads; 0 lets ONNX Runtime choose"),
  gamma: z
    .number()
    .gt(0)
    .lte(1)
    .default(0.99)
    .describe("the learner's discount (the policy node reads the same)"),
  success_source: z
    .enum(SUCCESS_SOURCES as [SuccessSource, ...SuccessSource[]])
    .default("task")
    .describe(
      "who decides success: task (its SUCCESS event on episode_topic) | model (Φ(s′) ≥ 1 − δ ends the episode; the node announces SUCCESS, TERMINAL)",
    ),
  success_delta: z
    .number()
    .min(0)
    .lt(1)
    .default(0.05)
    .describe("δ of the model's success detector (success_source model)"),
  success_hold: z
    .number()
    .int()
    .min(1)
    .default(1)
    .describe("scored steps in a row with Φ(s′) ≥ 1 − δ that make a model-detected success"),
  fusion: z
    .enum(FUSION_MODES as [string, ...string[]])
    .default("fused")
    .describe("which potential Φ is"),
  reward_rate: z
    .number()
    .nonnegative()
    .default(0)
    .describe("cap on rewards per second of camera time; 0 = every group"),
  reward_topic: z.string().default("/reward").describe("where DenseReward is published"),
  episode_topic: z
    .string()
    .default("/episode")
    .describe("EpisodeEvent input (START/TERMINAL/TRUNCATED/SUCCESS)"),
  diagnostics_period_s: z.number().positive().default(1).describe("period of /diagnostics reports"),
  task: z
    .string()
    .default("")
    .describe("task whose goal images anchor the backward hop; empty = model default"),
  grm_endpoint: z
    .string()
    .default("")
    .describe(
      "grm models: OpenAI-compatible API base URL (e.g. http://gpu-host:8000/v1); empty = manifest's",
    ),
});
export type RewardParameters = z.infer<typeof rewardParameters>;
