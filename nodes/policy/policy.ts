import { EpisodeEventKind, MsgType, type Observation } from "../../lib/codec/messages.js";
import { defineNode, type RunningNode } from "../../lib/node/node.js";
import { TransitionAssembler, type AssemblerStats } from "../../lib/rl/assembler.js";
import type { LearnerCounters } from "../../lib/rl/learner.js";
import { CheckpointSaver } from "../../lib/rl/persist.js";
import { actionBounds, actionMessage, denormalizeAction, executedAction } from "../../lib/rl/spaces.js";
import { StampIndex } from "../../lib/rl/stampIndex.js";
import { SuccessfulEpisodes } from "../../lib/rl/successfulEpisodes.js";
import { createPublisher, subscribe } from "../../lib/transport/typed.js";
import { buildLearner } from "./build.js";
import { eventEnd, gammaMismatch, observationProblem, rewardEnd } from "./inputs.js";
import { ObservationGate } from "./observationGate.js";
import { policyParameters } from "./parameters.js";

export interface PolicyNodeStats {
  readonly assembler: AssemblerStats;
  readonly learner: LearnerCounters;
  readonly actionsPublished: number;
  readonly rejectedObservations: number;
  readonly checkpointsSaved: number;
  /** Episodes announced SUCCESS whose transitions joined the demonstrations (self_imitation). */
  readonly imitatedEpisodes: number;
}

export interface PolicyNodeHandle extends RunningNode {
  stats(): PolicyNodeStats;
}

/**
 * Online RL policy: acts on each observation, joins observations, its own actions, the dense reward and
 * episode events into transitions, learns from them (TD3+BC), and checkpoints so a crash loses at most one
 * interval. Thin shell: the learner is built in build.ts, each input is judged in inputs.ts, transitions are
 * joined by lib/rl; this file only wires parameters and topics to them.
 */
export const policyNode = defineNode({
  name: "policy",
  description: "Online RL policy (TD3+BC) that learns from the DenseReward topic and publishes actions",
  parameters: policyParameters,
  async start({ params, transport, topic, log, name }): Promise<PolicyNodeHandle> {
    const bounds = actionBounds(params.max_translation, params.max_yaw, {
      binaryGripper: params.binary_gripper,
    });
    const { learner, origin } = await buildLearner(params, { bounds, log });
    let actionsPublished = 0;
    let rejectedObservations = 0;
    let imitatedEpisodes = 0;
    const successes = params.self_imitation
      ? new SuccessfulEpisodes((episode) => {
          learner.imitate(episode);
          imitatedEpisodes++;
        })
      : undefined;
    const assembler = new TransitionAssembler({
      rewardTimeoutMs: params.reward_timeout_ms,
      onTransition: (t) => {
        if (!params.train) return;
        learner.observe(t);
        successes?.transition(t);
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
    // The first observation of an episode, not its START event, restarts the exploration noise: events
    // travel on another topic and may arrive after it.
    let actingEpisode: bigint | undefined;
    const act = ({ msg, values }: { msg: Observation; values: Float32Array }): void => {
      if (msg.episode_id !== actingEpisode) {
        actingEpisode = msg.episode_id;
        learner.startEpisode();
      }
      const action = executedAction(learner.act(values, params.train), bounds);
      const header = { stamp: msg.header.stamp, frame_id: name };
      publisher.publish(actionMessage(header, msg.episode_id, msg.step, denormalizeAction(action, bounds)));
      actionsPublished++;
      assembler.addAction(msg.episode_id, msg.step, action);
    };
    const gate = params.wait_for_reward ? new ObservationGate(params.reward_timeout_ms, act) : undefined;
    const stamps = new StampIndex();
    const onDecodeError = (err: Error): void => log.warn(err.message);
    const subscriptions = [
      subscribe(transport, topic(params.observation_topic), MsgType.Observation, { onDecodeError }).subscribe(
        (msg) => {
          const values = Float32Array.from(msg.values);
          const problem = observationProblem(values, params.observation_dim);
          if (problem) {
            rejectedObservations++;
            log.warn(
              `observation ${msg.episode_id}/${msg.step} on ${params.observation_topic} rejected: ${problem}`,
            );
            return;
          }
          stamps.add(msg.episode_id, msg.header.stamp, msg.step);
          assembler.addObservation(msg.episode_id, msg.step, values, performance.now());
          const item = { msg, values };
          if (gate) gate.observe({ episode: msg.episode_id, step: msg.step }, item, performance.now());
          else act(item);
        },
      ),
      subscribe(transport, topic(params.reward_topic), MsgType.DenseReward, { onDecodeError }).subscribe(
        (msg) => {
          const mismatch = gammaMismatch(msg.gamma, params.gamma);
          if (mismatch) log.once("error", "gamma", mismatch);
          if (!Number.isFinite(msg.reward)) {
            log.warn(`reward ${msg.episode_id}/${msg.step} is not finite; dropped`);
            return;
          }
          const step = stamps.step(msg.episode_id, msg.header.stamp) ?? msg.step;
          // A reward without a finite potential (a sparse one reports 0s, a broken one NaN) still trains the
          // critics; only progress guidance needs Φ(s′).
          const phiNext = Number.isFinite(msg.phi_next) ? msg.phi_next : undefined;
          assembler.addReward(msg.episode_id, step, msg.reward, rewardEnd(msg), performance.now(), phiNext);
          gate?.reward({ episode: msg.episode_id, step });
        },
      ),
      subscribe(transport, topic(params.episode_topic), MsgType.EpisodeEvent, { onDecodeError }).subscribe(
        (msg) => {
          if (msg.event === EpisodeEventKind.SUCCESS) successes?.success(msg.episode_id);
          const end = eventEnd(msg.event);
          if (end) assembler.addEpisodeEnd(msg.episode_id, msg.step, end);
        },
      ),
    ];
    const timer = setInterval(() => {
      const now = performance.now();
      assembler.tick(now);
      if (gate?.tick(now))
        log.once(
          "warn",
          "reward-timeout",
          `no reward within ${params.reward_timeout_ms} ms; acted without it`,
        );
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
        imitatedEpisodes,
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
