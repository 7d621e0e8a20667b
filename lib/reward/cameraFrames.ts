import { codecFor, type MessageCodec } from "../codec/codec.js";
import { MsgType, type CompressedImage, type Image, type Time } from "../codec/messages.js";
import type { CameraMessage } from "../image/cameraImage.js";
import type { CdrBytes } from "../transport/transport.js";
import type { ErrorReport, PipelineStats } from "./stats.js";
import type { Frame } from "./sync.js";

export type CameraType = "Image" | "CompressedImage";

export interface CameraInput {
  readonly topic: string;
  readonly type: CameraType;
}

const stampMs = (t: Time): number => t.sec * 1000 + t.nanosec / 1e6;

/** Raw CDR of each camera topic → frames for the sync; a malformed message is counted, reported and dropped. */
export class CameraDecoder {
  private readonly codecs: Record<CameraType, MessageCodec<Image | CompressedImage>> = {
    Image: codecFor<Image>(MsgType.Image),
    CompressedImage: codecFor<CompressedImage>(MsgType.CompressedImage),
  };

  constructor(
    private readonly cameras: readonly CameraInput[],
    private readonly stats: PipelineStats,
    private readonly report: ErrorReport,
    /** Arrival time of a message, the start of its camera→reward latency. */
    private readonly now: () => number,
  ) {}

  /** No frame or one, so that a stream of messages can be flat-mapped into a stream of frames. */
  decode(view: number, data: CdrBytes): Frame<CameraMessage>[] {
    const arrivalMs = this.now();
    const t0 = performance.now();
    const camera = this.cameras[view];
    this.stats.framesReceived[view]++;
    let message: Image | CompressedImage;
    try {
      message = this.codecs[camera.type].decode(data);
    } catch (err) {
      this.stats.cdrErrors++;
      this.report(
        `cdr:${camera.topic}`,
        `${camera.topic}: dropped a malformed ${camera.type} message: ${(err as Error).message}`,
      );
      return [];
    }
    this.stats.latency.decode.add(performance.now() - t0);
    const tagged: CameraMessage =
      camera.type === "Image"
        ? { kind: "Image", message: message as Image }
        : { kind: "CompressedImage", message: message as CompressedImage };
    return [{ view, stampMs: stampMs(message.header.stamp), arrivalMs, message: tagged }];
  }
}
