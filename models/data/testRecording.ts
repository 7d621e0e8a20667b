import { writeFile } from "node:fs/promises";
import { McapWriter, TempBuffer } from "@mcap/core";
import sharp from "sharp";
import { codecFor, MsgType, type CompressedImage, type GroundTruth } from "../../lib/codec/index.js";

/**
 * Writes a small sim-like recording for tests: `episodes` episodes of `steps` steps, ground truth rising
 * linearly to 1 (or `progress(step)`), and JPEG frames per view whose red channel encodes the step (40·step). Episode 0 succeeds,
 * the others do not; the wrist frame of episode 0 step 2 is missing.
 */
export async function writeTestRecording(
  path: string,
  options: {
    task: string;
    stages: string[];
    views: string[];
    episodes?: number;
    steps?: number;
    size?: [number, number];
    /** True progress at each step (default: linear from 0 to 1). */
    progress?: (step: number, steps: number) => number;
  },
): Promise<void> {
  const { task, stages, views, episodes = 2, steps = 5, size = [32, 24] } = options;
  const buffer = new TempBuffer();
  const writer = new McapWriter({ writable: buffer });
  await writer.start({ profile: "ros2", library: "test" });
  const schema = (name: string) =>
    writer.registerSchema({ name, encoding: "ros2msg", data: new Uint8Array() });
  const gtSchema = await schema(MsgType.GroundTruth);
  const imSchema = await schema(MsgType.CompressedImage);
  const channel = (topic: string, schemaId: number) =>
    writer.registerChannel({ topic, schemaId, messageEncoding: "cdr", metadata: new Map() });
  const gt = await channel("/ground_truth", gtSchema);
  const cams = await Promise.all(views.map((v) => channel(`/camera/${v}/image_raw/compressed`, imSchema)));
  const gtCodec = codecFor<GroundTruth>(MsgType.GroundTruth);
  const imCodec = codecFor<CompressedImage>(MsgType.CompressedImage);
  let seq = 0;
  for (let episode = 0; episode < episodes; episode++) {
    for (let step = 0; step < steps; step++) {
      const t = episode * 1000 + step;
      const stamp = { sec: t, nanosec: 0 };
      const progress = options.progress ? options.progress(step, steps) : step / (steps - 1);
      const time = BigInt(t) * 1_000_000_000n;
      for (const [i, view] of views.entries()) {
        if (view === "wrist" && episode === 0 && step === 2) continue;
        const jpeg = await sharp({
          create: {
            width: size[0],
            height: size[1],
            channels: 3,
            background: { r: (40 * step) % 256, g: 60 * i, b: 0 },
          },
        })
          .jpeg({ quality: 95 })
          .toBuffer();
        const data = imCodec.encode({ header: { stamp, frame_id: view }, format: "jpeg", data: jpeg });
        await writer.addMessage({
          channelId: cams[i],
          sequence: seq++,
          logTime: time,
          publishTime: time,
          data,
        });
      }
      const K = stages.length;
      const stage = Math.min(K - 1, Math.floor(progress * K));
      const truth: GroundTruth = {
        header: { stamp, frame_id: "" },
        episode_id: BigInt(episode),
        step,
        task,
        stage_names: stages,
        stage,
        stage_progress: progress * K - stage,
        progress,
        success: episode === 0 && step === steps - 1,
        terminal: step === steps - 1,
        truncated: false,
      };
      const data = gtCodec.encode(truth);
      await writer.addMessage({ channelId: gt, sequence: seq++, logTime: time, publishTime: time, data });
    }
  }
  await writer.end();
  await writeFile(path, buffer.get());
}
