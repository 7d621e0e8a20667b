import { z } from "zod";
import { DEFAULT_LEARNER } from "../../lib/rl/learner.js";
import { DEFAULT_TD3 } from "../../lib/rl/td3.js";

/** The policy node's parameters; launch files, config/*.yaml and scripts/launchCheck.ts use these names. */
export const policyParameters = z.object({
  observation_topic: z.string().default("/sim/observation").describe("process_reward_msgs/Observation input"),
  reward_topic: z.string().default("/reward").describe("DenseReward input"),
  episode_topic: z.string().default("/episode").describe("EpisodeEvent input"),
  action_topic: z.string().default("/action").describe("Action output"),
  observation_dim: z.number().int().positive().describe("length of Observation.values"),
  gamma: z
    .number()
    .gt(0)
    .lt(1)
    .default(DEFAULT_TD3.gamma)
    .describe("discount; must equal the reward node's gamma"),
  seed: z.number().int().nonnegative().default(0),
  train: z.boolean().default(true).describe("learn and explore; false = act greedily only"),
  hidden_units: z
    .array(z.number().int().positive())
    .min(1)
    .default([...DEFAULT_TD3.hidden]),
  batch_size: z.number().int().positive().default(DEFAULT_LEARNER.batchSize),
  updates_per_step: z
    .number()
    .int()
    .nonnegative()
    .default(DEFAULT_LEARNER.updatesPerStep)
    .describe("gradient updates per transition"),
  n_step: z
    .number()
    .int()
    .positive()
    .default(DEFAULT_LEARNER.nStep)
    .describe("steps of reward per stored transition before the critic bootstraps (n-step returns)"),
  warmup_transitions: z.number().int().nonnegative().default(DEFAULT_LEARNER.warmupTransitions),
  // Half the experiment's: the node preallocates a replay and a demonstration buffer of this size each
  // (about 22 MB apiece at the sim's 24 values), on the robot's own computer.
  replay_capacity: z
    .number()
    .int()
    .positive()
    .default(DEFAULT_LEARNER.replayCapacity / 2),
  exploration_noise: z
    .number()
    .nonnegative()
    .default(DEFAULT_LEARNER.explorationNoise)
    .describe("Gaussian std in normalized action units"),
  noise_correlation: z
    .number()
    .min(0)
    .lt(1)
    .default(DEFAULT_LEARNER.noiseCorrelation ?? 0)
    .describe("step-to-step correlation of the exploration noise (0: white), restarted with each episode"),
  bc_steps: z
    .number()
    .int()
    .nonnegative()
    .default(DEFAULT_LEARNER.bcSteps)
    .describe("behaviour-cloning steps before online learning"),
  bc_weight: z.number().nonnegative().default(DEFAULT_TD3.bcWeight),
  demo_batch_fraction: z
    .number()
    .min(0)
    .max(1)
    .default(DEFAULT_LEARNER.demoBatchFraction)
    .describe("share of each batch from demonstrations"),
  q_weight: z.number().nonnegative().default(DEFAULT_TD3.alpha),
  progress_weight: z
    .number()
    .nonnegative()
    .default(DEFAULT_TD3.progressWeight)
    .describe(
      "weight of progress guidance: the actor climbs a learned Φ(s′) (from DenseReward.phi_next) through a learned dynamics model; 0 = off; needs n_step 1",
    ),
  fine_scale: z
    .number()
    .nonnegative()
    .default(DEFAULT_TD3.fineScale ?? 0)
    .describe(
      "k: the actor and critics also see tanh(k·x/σ) of each observation feature, resolving small offsets near a grasp; 0 = the normalized observation alone",
    ),
  actor_weight_decay: z
    .number()
    .nonnegative()
    .default(DEFAULT_TD3.actorWeightDecay ?? 0)
    .describe(
      "decoupled weight decay of the actor (AdamW), against over-fitting a few demos (3 on push; 0 on pick_place)",
    ),
  actor_warmup_updates: z.number().int().nonnegative().default(DEFAULT_TD3.actorWarmupUpdates),
  self_imitation: z
    .boolean()
    .default(true)
    .describe("episodes announced SUCCESS join the demonstrations the BC term regresses onto"),
  actor_regression: z
    .enum(["demos", "advantage"])
    .default(DEFAULT_TD3.regressionTarget)
    .describe("demos: regress onto demo actions (TD3+BC); advantage: onto replayed actions by advantage"),
  advantage_temperature: z
    .number()
    .positive()
    .default(DEFAULT_TD3.advantageTemperature)
    .describe("advantage weight temperature, in advantage standard deviations"),
  max_translation: z.number().positive().default(0.04).describe("metres per step at action ±1"),
  max_yaw: z.number().nonnegative().default(0.1).describe("radians per step at action ±1"),
  binary_gripper: z
    .boolean()
    .default(true)
    .describe("command the gripper open (0) or closed (1) by the sign of the policy's output"),
  reward_timeout_ms: z
    .number()
    .positive()
    .default(2000)
    .describe("wait this long for a step's reward, then drop it"),
  wait_for_reward: z
    .boolean()
    .default(false)
    .describe(
      "act on an observation only once the reward of the transition into it arrived (or reward_timeout_ms passed): a lockstep sim then waits for the reward node and no camera group is dropped",
    ),
  demonstrations: z
    .string()
    .default("")
    .describe("JSON demonstrations to clone before learning (fresh start only)"),
  checkpoint_path: z.string().default("").describe("empty: no checkpoints"),
  checkpoint_interval_s: z.number().positive().default(60),
  fresh_start_on_corrupt_checkpoint: z.boolean().default(false),
});
export type PolicyParameters = z.infer<typeof policyParameters>;
