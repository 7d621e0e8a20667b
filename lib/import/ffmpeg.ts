// Video decoding with Debian's ffmpeg/ffprobe (scripts/install-system-deps.sh), through child_process.
import { spawn } from "node:child_process";
import { FileError } from "../fileError.js";

export class VideoError extends FileError {
  override name = "VideoError";
}

export interface VideoInfo {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** Frames, counted by reading every packet (not the container's claim). */
  readonly frames: number;
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "ENOENT"
          ? new Error(`${cmd} not found: install Debian's ffmpeg (scripts/install-system-deps.sh)`)
          : err,
      ),
    );
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const firstLine = (s: string): string => s.trim().split("\n").at(-1) ?? "";

/** Size, rate and frame count of the first video stream; a file ffprobe cannot read is a VideoError. */
export async function probeVideo(file: string): Promise<VideoInfo> {
  const r = await run("ffprobe", [
    "-v",
    "error",
    "-select_streams",
    "v:0",
    "-count_packets",
    "-show_entries",
    "stream=width,height,r_frame_rate,nb_read_packets",
    "-of",
    "json",
    file,
  ]);
  if (r.code !== 0)
    throw new VideoError(file, `unreadable video: ${firstLine(r.stderr) || `ffprobe exit ${r.code}`}`);
  const streams = (JSON.parse(r.stdout) as { streams?: Record<string, string | number>[] }).streams ?? [];
  const s = streams[0];
  if (!s) throw new VideoError(file, "unreadable video: no video stream");
  const [num, den] = String(s.r_frame_rate).split("/").map(Number);
  const fps = den ? num! / den : num!;
  const frames = Number(s.nb_read_packets);
  if (!(fps > 0) || !(frames > 0) || !(Number(s.width) > 0))
    throw new VideoError(
      file,
      `unreadable video: rate ${String(s.r_frame_rate)}, ${String(s.nb_read_packets)} frames`,
    );
  return { width: Number(s.width), height: Number(s.height), fps, frames };
}

export interface DecodeOptions {
  /** Keep every k-th frame (frames 0, k, 2k, …); default 1. */
  readonly every?: number;
  /** Scale to this width (height keeps the aspect ratio, even); default: as recorded. */
  readonly width?: number;
  /** JPEG quality as ffmpeg's -q:v (2 best … 31 worst); default 3. */
  readonly qscale?: number;
}

/**
 * Splits a stream of concatenated JPEGs into whole images by their markers: SOI, segments with lengths up
 * to SOS, then entropy-coded data (where 0xFF is always stuffed or a restart marker) up to EOI.
 */
export class JpegSplitter {
  private buffer: Buffer<ArrayBufferLike> = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      const end = this.imageEnd();
      if (end === undefined) break;
      out.push(this.buffer.subarray(0, end));
      this.buffer = this.buffer.subarray(end);
    }
    return out;
  }

  /** Bytes left that are not a whole image. */
  get pending(): number {
    return this.buffer.length;
  }

  private imageEnd(): number | undefined {
    const b = this.buffer;
    if (b.length < 4) return undefined;
    if (b[0] !== 0xff || b[1] !== 0xd8) throw new Error("JPEG stream out of step: no SOI marker");
    let i = 2;
    for (;;) {
      if (i + 4 > b.length) return undefined;
      if (b[i] !== 0xff) throw new Error(`JPEG stream: expected a marker at byte ${i}`);
      const marker = b[i + 1]!;
      if (marker === 0xd9) return i + 2;
      const len = b.readUInt16BE(i + 2);
      i += 2 + len;
      if (marker === 0xda) break;
    }
    // Entropy-coded data: scan for a marker that is neither stuffing (FF00) nor a restart (FFD0–FFD7).
    for (; i + 1 < b.length; i++) {
      if (b[i] !== 0xff) continue;
      const m = b[i + 1]!;
      if (m === 0x00 || (m >= 0xd0 && m <= 0xd7) || m === 0xff) continue;
      if (m === 0xd9) return i + 2;
      // Another segment after the scan (progressive JPEG): not produced by ffmpeg's mjpeg encoder.
      throw new Error(`JPEG stream: unexpected marker FF${m.toString(16)} after the scan`);
    }
    return undefined;
  }
}

/** The video's frames as JPEG images, in order (ffmpeg -f image2pipe -c:v mjpeg). */
export async function* decodeJpegFrames(file: string, options: DecodeOptions = {}): AsyncGenerator<Buffer> {
  const every = options.every ?? 1;
  const filters = [
    ...(every > 1 ? [`select=not(mod(n\\,${every}))`] : []),
    ...(options.width ? [`scale=${options.width}:-2`] : []),
  ];
  const args = [
    "-v",
    "error",
    "-nostdin",
    "-i",
    file,
    ...(filters.length > 0 ? ["-vf", filters.join(",")] : []),
    "-fps_mode",
    "passthrough",
    "-f",
    "image2pipe",
    "-c:v",
    "mjpeg",
    "-pix_fmt",
    "yuvj420p",
    "-q:v",
    String(options.qscale ?? 3),
    "pipe:1",
  ];
  const child = spawn("ffmpeg", args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "ENOENT"
          ? new Error("ffmpeg not found: install Debian's ffmpeg (scripts/install-system-deps.sh)")
          : err,
      ),
    );
    child.on("close", resolve);
  });
  const splitter = new JpegSplitter();
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>)
      for (const jpeg of splitter.push(chunk)) yield jpeg;
    const code = await exited;
    if (code !== 0)
      throw new VideoError(file, `ffmpeg could not decode it: ${firstLine(stderr) || `exit ${code}`}`);
    if (splitter.pending > 0) throw new VideoError(file, `ffmpeg's JPEG stream ended inside an image`);
  } finally {
    if (child.exitCode === null) child.kill();
  }
}
