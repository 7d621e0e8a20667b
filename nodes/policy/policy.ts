import { z } from "zod";
import { MsgType } from "../../lib/codec/messages.js";
import { defineNode, type RunningNode } from "../../lib/node/node.js";
import { TransitionAssembler, type AssemblerStats } from "../../lib/rl/assembler.js";
import { Learner, type LearnerConfig, type LearnerCounters } from "../../lib/rl/learner.js";
import { CheckpointSaver, loadLearner } from "../../lib/rl/persist.js";
import { ACTION_DIM, actionBounds, actionMessage, denormalizeAction } from "../../lib/rl/spaces.js";
import { StampIndex } from "../../lib/rl/stampIndex.js";
import { DEFAULT_TD3 } from "../../lib/rl/td3.js";
import { createPublisher, subscribe } from "../../lib/transport/typed.js";
import { loadDemonstrations } from "./demonstrations.js";

const EPISODE_TERMINAL = 1;
const EPISODE_TRUNCATED = 2;

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
  batch_size: z.number().int().positive().default(128),
  updates_per_step: z.number().int().nonnegative().default(1).describe("gradient updates per transition"),
  warmup_transitions: z.number().int().nonnegative().default(256),
  replay_capacity: z.number().int().positive().default(100_000),
  exploration_noise: z
    .number()
    .nonnegative()
    .default(0.2)
    .describe("Gaussian std in normalized action units"),
  bc_steps: z
    .number()
    .int()
    .nonnegative()
    .default(8000)
    .describe("behaviour-cloning steps before online learning"),
  bc_weight: z.number().nonnegative().default(DEFAULT_TD3.bcWeight),
  demo_batch_fraction: z
    .number()
    .min(0)
    .max(1)
    .default(0.5)
    .describe("share of each batch from demonstrations"),
  q_weight: z.number().nonnegative().default(DEFAULT_TD3.alpha),
  actor_warmup_updates: z.number().int().nonnegative().default(DEFAULT_TD3.actorWarmupUpdates),
  max_translation: z.number().positive().default(0.04).describe("metres per step at action ±1"),
  max_yaw: z.number().nonnegative().default(0.1).describe("radians per step at action ±1"),
  reward_timeout_ms: z
    .number()
    .positive()
    .default(2000)
    .describe("wait this long for a step's reward, then drop it"),
  demonstrations: z
    .string()
    .default("")
    .describe("JSON demonstrations to clone before learning (fresh start only)"),
  checkpoint_path: z.string().default("").describe("empty: no checkpoints"),
  checkpoint_interval_s: z.number().positive().default(60),
  fresh_start_on_corrupt_checkpoint: z.boolean().default(false),
});
export type PolicyParameters = z.infer<typeof policyParameters>;

export interface PolicyNodeStats {
  readonly assembler: AssemblerStats;
  readonly learner: LearnerCounters;
  readonly actionsPublished: number;
  readonly rejectedObservations: number;
  readonly checkpointsSaved: number;
}

export interface PolicyNodeHandle extends RunningNode {
  stats(): PolicyNodeStats;
}

export function learnerConfig(p: PolicyParameters): LearnerConfig {
  return {
    td3: {
      ...DEFAULT_TD3,
      observationDim: p.observation_dim,
      actionDim: ACTION_DIM,
      hidden: p.hidden_units,
      gamma: p.gamma,
      bcWeight: p.bc_weight,
      alpha: p.q_weight,
      actorWarmupUpdates: p.actor_warmup_updates,
    },
    replayCapacity: p.replay_capacity,
    batchSize: p.batch_size,
    updatesPerStep: p.updates_per_step,
    warmupTransitions: p.warmup_transitions,
    explorationNoise: p.exploration_noise,
    bcSteps: p.bc_steps,
    demoBatchFraction: p.demo_batch_fraction,
  };
}

/**
 * Online RL policy: acts on each observation, joins observations, its own actions, the dense reward and
 * episode events into transitions, learns from them (TD3+BC), and checkpoints so a crash loses at most one
 * interval.
 */
export const policyNode = defineNode({
  name: "policy",
  description: "Online RL policy (TD3+BC) that learns from the DenseReward topic and publishes actions",
  parameters: policyParameters,
  async start({ params, transport, topic, log, name }): Promise<PolicyNodeHandle> {
    const bounds = actionBounds(params.max_translation, params.max_yaw);
    const config = learnerConfig(params);
    const { learner, origin } = params.checkpoint_path
      ? await loadLearner({
          path: params.checkpoint_path,
          config,
          seed: params.seed,
          freshStartOnCorrupt: params.fresh_start_on_corrupt_checkpoint,
          warn: (m) => log.warn(m),
        })
      : { learner: new Learner(config, params.seed), origin: "fresh" as const };
    if (origin === "restored") {
      log.info(
        `restored ${params.checkpoint_path}: ${learner.replay.size} transitions, ${learner.counters.updates} updates`,
      );
    } else if (params.demonstrations) {
      const demos = await loadDemonstrations(params.demonstrations, params.observation_dim, bounds);
      const loss = learner.pretrain(demos);
      log.info(`cloned ${demos.length} demonstration transitions (BC loss ${loss.toFixed(4)})`);
    } else {
      log.warn("no checkpoint and no demonstrations: starting from an untrained actor");
    }

    let actionsPublished = 0;
    let rejectedObservations = 0;
    const assembler = new TransitionAssembler({
      rewardTimeoutMs: params.reward_timeout_ms,
      onTransition: (t) => {
        if (params.train) learner.observe(t);
      },
    });
    const saver = params.checkpoint_path
      ? new CheckpointSaver(
          params.checkpoint_path,
          params.checkpoint_interval_s * 1000,
          () => learner,
          performance.now(),
          (err) => log.error(err.message),
        )
      : undefined;

    const publisher = createPublisher(transport, topic(params.action_topic), MsgType.Action);
    const stamps = new StampIndex();
    const onDecodeError = (err: Error): void => log.warn(err.message);
    const subscriptions = [
      subscribe(transport, topic(params.observation_topic), MsgType.Observation, { onDecodeError }).subscribe(
        (msg) => {
          const values = Float32Array.from(msg.values);
          if (values.length !== params.observation_dim || values.some((v) => !Number.isFinite(v))) {
            rejectedObservations++;
            log.warn(
              `observation ${msg.episode_id}/${msg.step} on ${params.observation_topic} rejected: ` +
                (values.length !== params.observation_dim
                  ? `${values.length} values, observation_dim is ${params.observation_dim}`
                  : "non-finite value"),
            );
            return;
          }
          const action = learner.act(values, params.train);
          const header = { stamp: msg.header.stamp, frame_id: name };
          publisher.publish(
            actionMessage(header, msg.episode_id, msg.step, denormalizeAction(action, bounds)),
          );
          actionsPublished++;
          stamps.add(msg.episode_id, msg.header.stamp, msg.step);
          assembler.addObservation(msg.episode_id, msg.step, values, performance.now());
          assembler.addAction(msg.episode_id, msg.step, action);
        },
      ),
      subscribe(transport, topic(params.reward_topic), MsgType.DenseReward, { onDecodeError }).subscribe(
        (msg) => {
          if (Math.abs(msg.gamma - params.gamma) > 1e-9) {
            log.once(
              "error",
              "gamma",
              `reward gamma ${msg.gamma} differs from the learner's gamma ${params.gamma}: shaping is no longer policy-invariant`,
            );
          }
          if (!Number.isFinite(msg.reward)) {
            log.warn(`reward ${msg.episode_id}/${msg.step} is not finite; dropped`);
            return;
          }
          const end = msg.terminal ? "terminal" : msg.truncated ? "truncated" : undefined;
          const step = stamps.step(msg.episode_id, msg.header.stamp) ?? msg.step;
          assembler.addReward(msg.episode_id, step, msg.reward, end, performance.now());
        },
      ),
      subscribe(transport, topic(params.episode_topic), MsgType.EpisodeEvent, { onDecodeError }).subscribe(
        (msg) => {
          if (msg.event === EPISODE_TERMINAL) assembler.addEpisodeEnd(msg.episode_id, msg.step, "terminal");
          else if (msg.event === EPISODE_TRUNCATED)
            assembler.addEpisodeEnd(msg.episode_id, msg.step, "truncated");
        },
      ),
    ];
    const timer = setInterval(() => {
      const now = performance.now();
      assembler.tick(now);
      saver?.maybeSave(now);
    }, 100);
    log.info(
      `policy on ${params.observation_topic} + ${params.reward_topic} -> ${params.action_topic} ` +
        `(gamma ${params.gamma}, ${params.train ? "training" : "acting only"}, ${origin})`,
    );
    return {
      stats: () => ({
        assembler: { ...assembler.stats },
        learner: { ...learner.counters },
        actionsPublished,
        rejectedObservations,
        checkpointsSaved: saver?.saves ?? 0,
      }),
      stop: async () => {
        clearInterval(timer);
        for (const s of subscriptions) s.unsubscribe();
        publisher.close();
        await saver?.flush();
        learner.dispose();
      },
    };
  },
});
