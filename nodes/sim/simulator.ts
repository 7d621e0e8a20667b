import { z } from "zod";
import {
  EpisodeEventKind,
  MsgType,
  type Action,
  type ResetRequest,
  type Time,
} from "../../lib/codec/messages.js";
import { defineNode } from "../../lib/node/node.js";
import { timeFromSeconds } from "../../lib/time/rosTime.js";
import { QOS_DEFAULT, QOS_EPISODE_EVENTS, QOS_SENSOR_DATA, type QoS } from "../../lib/transport/qos.js";
import { createPublisher, subscribe } from "../../lib/transport/typed.js";
import { SimDriver } from "../../sim/driver.js";
import {
  commandFromAction,
  compressedImageMessage,
  episodeEvents,
  groundTruthMessage,
  imageMessage,
  observationMessage,
  SIM_TOPICS,
} from "../../sim/messages.js";
import { createSim, type StepResult } from "../../sim/sim.js";
import { TASK_NAMES, type TaskName } from "../../sim/tasks/index.js";
import { VIEW_NAMES } from "../../sim/world/spec.js";

/**
 * The simulator as a ROS 2 node: camera images, /clock, observation, ground truth and episode events
 * out; actions and reset requests in. Lockstep mode steps once per action; real-time mode at `rate_hz`.
 */
export const simulatorNode = defineNode({
  name: "simulator",
  description: "Tabletop manipulation sim: cameras, /clock, observation, ground truth, episode events",
  parameters: z.object({
    task: z.enum(TASK_NAMES).default("pick_place").describe("pick_place | stack | push"),
    seed: z.number().int().nonnegative().default(0).describe("seed of the first episode"),
    width: z.number().int().min(8).default(224).describe("image width (px)"),
    height: z.number().int().min(8).default(224).describe("image height (px)"),
    views: z
      .array(z.enum(VIEW_NAMES))
      .default([...VIEW_NAMES])
      .describe("cameras, e.g. [front,side,wrist]"),
    clock_mode: z.enum(["lockstep", "realtime"]).default("lockstep").describe("lockstep | realtime"),
    rate_hz: z
      .number()
      .positive()
      .default(20)
      .describe("control rate: sim time per step is 1/rate_hz; real-time mode steps at it"),
    auto_reset: z.boolean().default(true).describe("start the next episode when one ends"),
    compressed: z
      .boolean()
      .default(false)
      .describe("publish JPEG CompressedImage on .../image_raw/compressed"),
    max_steps: z.number().int().positive().optional().describe("episode time limit in steps (task default)"),
  }),
  async start({ params, transport, topic, log }) {
    const sim = await createSim({
      task: params.task,
      seed: params.seed,
      width: params.width,
      height: params.height,
      views: params.views,
      controlDt: 1 / params.rate_hz,
      ...(params.max_steps ? { maxSteps: params.max_steps } : {}),
    });
    const publisher = <K extends string>(name: string, type: K, qos: QoS) =>
      createPublisher(transport, topic(name), type, qos);
    const cameras = params.views.map((view) =>
      params.compressed
        ? {
            view,
            raw: undefined,
            jpeg: publisher(SIM_TOPICS.compressed(view), MsgType.CompressedImage, QOS_SENSOR_DATA),
          }
        : { view, raw: publisher(SIM_TOPICS.image(view), MsgType.Image, QOS_SENSOR_DATA), jpeg: undefined },
    );
    const clock = publisher(SIM_TOPICS.clock, MsgType.Clock, QOS_DEFAULT);
    const observation = publisher(SIM_TOPICS.observation, MsgType.Observation, QOS_DEFAULT);
    const truth = publisher(SIM_TOPICS.groundTruth, MsgType.GroundTruth, QOS_DEFAULT);
    const episodes = publisher(SIM_TOPICS.episode, MsgType.EpisodeEvent, QOS_EPISODE_EVENTS);

    let chain = Promise.resolve();
    const publish = (result: StepResult): void => {
      const stamp: Time = timeFromSeconds(result.time);
      clock.publish({ clock: stamp });
      // Episode events go out before the frames of the state they refer to: a reward node applies START,
      // TERMINAL and TRUNCATED to the next camera group it scores.
      for (const event of episodeEvents(result, stamp)) {
        episodes.publish(event);
        if (result.step > 0 && event.event !== EpisodeEventKind.SUCCESS)
          log.info(`episode ${result.episode} ended at step ${result.step}: ${event.detail}`);
      }
      for (const frame of result.frames) {
        const camera = cameras.find((c) => c.view === frame.view)!;
        if (camera.raw) camera.raw.publish(imageMessage(frame, stamp));
      }
      if (cameras.some((c) => c.jpeg)) {
        // JPEG encoding is asynchronous: copy the frames, keep the order of publications per camera.
        const frames = result.frames.map((f) => ({ ...f, data: f.data.slice() }));
        chain = chain.then(async () => {
          for (const frame of frames)
            cameras
              .find((c) => c.view === frame.view)!
              .jpeg!.publish(await compressedImageMessage(frame, stamp));
        });
      }
      observation.publish(observationMessage(result, stamp));
      truth.publish(groundTruthMessage(result, stamp));
    };

    const driver = new SimDriver(sim, {
      mode: params.clock_mode,
      autoReset: params.auto_reset,
      warn: (m) => log.warn(m),
    });
    const guarded = (what: string, fn: () => StepResult | undefined): void => {
      try {
        const result = fn();
        if (result) publish(result);
      } catch (err) {
        log.error(`${what}: ${(err as Error).message}`);
      }
    };

    const subscriptions = [
      // Episode ends decided elsewhere (a reward node with success_source model) end the episode here too.
      subscribe(transport, topic(SIM_TOPICS.episode), MsgType.EpisodeEvent, {
        qos: QOS_EPISODE_EVENTS,
        onDecodeError: (e) => log.error(e.message),
      }).subscribe((event) => {
        const ends = event.event === EpisodeEventKind.SUCCESS || event.event === EpisodeEventKind.TERMINAL;
        if (ends && driver.endEpisode(event.episode_id))
          log.info(
            `episode ${event.episode_id} ended at step ${event.step} by ${event.header.frame_id}: ${event.detail}`,
          );
      }),
      subscribe(transport, topic(SIM_TOPICS.action), MsgType.Action, {
        onDecodeError: (e) => log.error(e.message),
      }).subscribe((action: Action) =>
        guarded("bad action", () => driver.action(commandFromAction(action), action.episode_id)),
      ),
      subscribe(transport, topic(SIM_TOPICS.reset), MsgType.ResetRequest, {
        onDecodeError: (e) => log.error(e.message),
      }).subscribe((request: ResetRequest) =>
        guarded("bad reset request", () =>
          driver.reset({
            ...(request.task ? { task: request.task as TaskName } : {}),
            ...(request.seed !== 0n ? { seed: request.seed } : {}),
          }),
        ),
      ),
    ];
    guarded("first episode", () => driver.reset());
    const timer =
      params.clock_mode === "realtime"
        ? setInterval(() => guarded("step", () => driver.tick()), 1000 / params.rate_hz)
        : undefined;
    log.info(
      `${params.task}: ${params.views.length} camera(s) ${params.width}x${params.height}, ${params.clock_mode} clock` +
        (params.clock_mode === "realtime" ? ` at ${params.rate_hz} Hz` : " (one step per /action)"),
    );
    return {
      stop: async () => {
        if (timer) clearInterval(timer);
        for (const s of subscriptions) s.unsubscribe();
        await chain;
        for (const p of [clock, observation, truth, episodes]) p.close();
        for (const c of cameras) (c.raw ?? c.jpeg)!.close();
        sim.close();
      },
    };
  },
});
