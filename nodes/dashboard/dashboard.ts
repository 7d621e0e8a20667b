import type { Observable, Subscription } from "rxjs";
import { z } from "zod";
import { MsgType, type CompressedImage, type Image } from "../../lib/codec/messages.js";
import { toPreviewJpeg } from "../../lib/dashboard/cameraFrames.js";
import { DashboardServer } from "../../lib/dashboard/server.js";
import { DashboardState } from "../../lib/dashboard/state.js";
import { defineNode } from "../../lib/node/node.js";
import { RateLimiter } from "../../lib/time/rateLimiter.js";
import { QOS_DEFAULT, QOS_SENSOR_DATA } from "../../lib/transport/qos.js";
import { subscribe } from "../../lib/transport/typed.js";

export const dashboardNode = defineNode({
  name: "dashboard",
  description:
    "Serve a live page: camera views, stage timeline, potential and shaped reward, latency, success",
  parameters: z.object({
    camera_topics: z
      .array(z.string())
      .default(["/camera/front/image_raw", "/camera/side/image_raw", "/camera/wrist/image_raw"])
      .describe("camera topics to show"),
    camera_types: z
      .array(z.enum(["Image", "CompressedImage"]))
      .default([])
      .describe("per camera topic; empty = all Image"),
    reward_topic: z.string().default("/reward").describe("DenseReward topic"),
    episode_topic: z.string().default("/episode").describe("EpisodeEvent topic"),
    host: z.string().default("127.0.0.1").describe("address to bind (0.0.0.0 exposes it to the network)"),
    port: z.number().int().min(0).max(65535).default(8080).describe("0 picks a free port"),
    max_camera_fps: z.number().positive().default(5).describe("preview rate per camera"),
  }),
  async start({ params, transport, topic, log }) {
    const state = new DashboardState(params.camera_topics);
    const server = new DashboardServer(state);
    const url = await server.listen({ host: params.host, port: params.port });
    log.info(`dashboard at ${url}`);
    const report = (e: Error): void => log.warn(e.message);
    const cameras = params.camera_topics.map((name, index) => {
      const compressed = params.camera_types[index] === "CompressedImage";
      const limiter = new RateLimiter(params.max_camera_fps);
      const messages: Observable<Image | CompressedImage> = compressed
        ? subscribe(transport, topic(name), MsgType.CompressedImage, {
            qos: QOS_SENSOR_DATA,
            onDecodeError: report,
          })
        : subscribe(transport, topic(name), MsgType.Image, { qos: QOS_SENSOR_DATA, onDecodeError: report });
      return messages.subscribe((message: Image | CompressedImage) => {
        if (!limiter.admit(performance.now())) return;
        toPreviewJpeg(name, message).then(
          (jpeg) => server.setFrame(index, jpeg),
          (err: Error) => log.warn(err.message),
        );
      });
    });
    const rewards = subscribe(transport, topic(params.reward_topic), MsgType.DenseReward, {
      qos: QOS_DEFAULT,
      onDecodeError: report,
    }).subscribe((message) => {
      const point = state.addReward(message);
      const stages = state.takeStageChange();
      if (stages) server.broadcast("stages", stages);
      server.broadcast("reward", point);
    });
    const episodes = subscribe(transport, topic(params.episode_topic), MsgType.EpisodeEvent, {
      qos: QOS_DEFAULT,
      onDecodeError: report,
    }).subscribe((event) => {
      const outcome = state.addEpisodeEvent(event);
      if (outcome) server.broadcast("episode", outcome);
    });
    const all: Subscription[] = [...cameras, rewards, episodes];
    return {
      url,
      stop: async () => {
        for (const s of all) s.unsubscribe();
        await server.close();
      },
    };
  },
});
