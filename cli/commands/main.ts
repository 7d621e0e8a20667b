import type { Command } from "commander";
import { firstValueFrom, take, toArray } from "rxjs";
import { MsgType, type Image } from "../../lib/codec/messages.js";
import { LocalTransport } from "../../lib/transport/local.js";
import { QOS_DEFAULT } from "../../lib/transport/qos.js";
import { createPublisher, subscribe } from "../../lib/transport/typed.js";

// PLACEHOLDER main job: until the sim (issue 4) and reward node (issue 6) land there is no pipeline to run,
// so this pushes 640x480 camera frames through the in-process transport and reports the rate.
export function addMainCommand(program: Command): void {
  program
    .command("main")
    .description("Run the main job (placeholder: in-process transport self-check until sim + reward land)")
    .option("--frames <n>", "frames to send", "300")
    .action(async (opts: { frames: string }) => {
      const frames = Number(opts.frames);
      const transport = new LocalTransport();
      const publisher = createPublisher(transport, "/camera/front/image_raw", MsgType.Image);
      const received = firstValueFrom(
        subscribe(transport, "/camera/front/image_raw", MsgType.Image, {
          qos: { ...QOS_DEFAULT, depth: frames },
        }).pipe(take(frames), toArray()),
      );
      const data = new Uint8Array(640 * 480 * 3);
      const start = performance.now();
      for (let i = 0; i < frames; i++) {
        data.fill(i % 256);
        const image: Image = {
          header: { stamp: { sec: i, nanosec: 0 }, frame_id: "front" },
          height: 480,
          width: 640,
          encoding: "rgb8",
          is_bigendian: 0,
          step: 640 * 3,
          data,
        };
        publisher.publish(image);
      }
      const images = await received;
      const seconds = (performance.now() - start) / 1000;
      const intact = images.every((m, i) => m.data[0] === i % 256 && m.data.byteLength === data.byteLength);
      process.stdout.write(
        `placeholder main job: ${images.length} frames 640x480 rgb8 through the local transport in ` +
          `${seconds.toFixed(2)} s (${(images.length / seconds).toFixed(0)} fps), intact: ${intact}\n` +
          "the simulated pipeline (sim + reward + policy) replaces this when those issues land\n",
      );
      await transport.close();
      if (!intact) process.exitCode = 1;
    });
}
