import { interval } from "rxjs";
import { MsgType } from "../../lib/codec/messages.js";
import { defineNode, type RunningNode } from "../../lib/node/node.js";
import { rewardDiagnostics } from "../../lib/reward/diagnostics.js";
import { RateLimitedErrors, type PipelineStats } from "../../lib/reward/stats.js";
import { QOS_DEFAULT, QOS_EPISODE_EVENTS, QOS_SENSOR_DATA } from "../../lib/transport/qos.js";
import { createPublisher, subscribe } from "../../lib/transport/typed.js";
import { buildRewardPipeline } from "./build.js";
import { rewardParameters } from "./parameters.js";

/** The running reward node; `stats` is what /diagnostics reports, exposed for benchmarks and tests. */
export interface RunningRewardNode extends RunningNode {
  readonly stats: PipelineStats;
}

/**
 * Thin shell: parameters and topics in, the transport-free RewardPipeline in the middle, DenseReward and
 * diagnostics out. Works on every transport because it only sees raw CDR streams.
 */
export const rewardNode = defineNode({
  name: "reward",
  description:
    "Cameras → ONNX reward model → multi-perspective fusion → potential-based shaping → DenseReward",
  parameters: rewardParameters,
  async start({ name, params, transport, topic, log, clock }): Promise<RunningRewardNode> {
    const { pipeline, model, cameras } = await buildRewardPipeline(params, { nodeName: name, topic, log });
    const rewards = createPublisher(transport, topic(params.reward_topic), MsgType.DenseReward, QOS_DEFAULT);
    const diagnostics = createPublisher(
      transport,
      topic("/diagnostics"),
      MsgType.DiagnosticArray,
      QOS_DEFAULT,
    );
    // A model-detected success ends the episode for everyone: the robot or sim resets on it (DESIGN §5).
    const announcements =
      params.success_source === "model"
        ? createPublisher(transport, topic(params.episode_topic), MsgType.EpisodeEvent, QOS_EPISODE_EVENTS)
        : undefined;
    const episodeErrors = new RateLimitedErrors((m) => log.error(m));
    const episodes = subscribe(transport, topic(params.episode_topic), MsgType.EpisodeEvent, {
      qos: QOS_DEFAULT,
      onDecodeError: (err) => episodeErrors.report("episode-cdr", err.message),
    });
    const streams = cameras.map((c) =>
      transport.subscribe(c.topic, `sensor_msgs/msg/${c.type}`, QOS_SENSOR_DATA),
    );
    const output = pipeline.run(streams, episodes).subscribe({
      next: (message) => {
        const t = performance.now();
        rewards.publish(message);
        pipeline.stats.latency.publish.add(performance.now() - t);
      },
      error: (err: Error) => log.error(`reward pipeline stopped: ${err.message}`),
    });
    const announced = pipeline.announcements.subscribe((event) => announcements?.publish(event));
    let lastPublished = 0;
    let lastReport = performance.now();
    const reports = interval(params.diagnostics_period_s * 1000).subscribe(() => {
      const now = performance.now();
      const rateHz = ((pipeline.stats.published - lastPublished) * 1000) / (now - lastReport);
      lastPublished = pipeline.stats.published;
      lastReport = now;
      diagnostics.publish(
        rewardDiagnostics({
          nodeName: name,
          provider: model.provider,
          modelName: model.manifest.name,
          modelSha256: model.sha256,
          stats: pipeline.stats,
          rateHz,
          stamp: clock.now(),
        }),
      );
    });
    log.info(
      `scoring ${cameras.map((c) => c.topic).join(", ")} → ${topic(params.reward_topic)} (${params.fusion}, γ=${params.gamma})`,
    );
    return {
      stats: pipeline.stats,
      stop: async () => {
        reports.unsubscribe();
        output.unsubscribe();
        announced.unsubscribe();
        rewards.close();
        announcements?.close();
        diagnostics.close();
        await pipeline.idle();
        await model.release();
      },
    };
  },
});
