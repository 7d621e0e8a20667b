// Shared by the DDS tests against the C test peer (test/dds-peer/peer.c): the messages it publishes and the
// lines it prints for what it receives.
import type { DenseReward, Image } from "../../lib/codec/messages.js";
import { rgbImage } from "../../lib/image/rgbImage.js";

/** Image `seq` as the C test peer (test/dds-peer/peer.c) publishes it. */
export function cPeerImage(width: number, height: number, seq: number): Image {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7 + seq * 13) ^ (i >>> 8)) & 0xff;
  return rgbImage(width, height, data, { stamp: { sec: seq, nanosec: 7 * seq }, frame_id: "c_peer" });
}

/** Reward `k` as the C test peer publishes it; every number is exact in binary, so text forms agree. */
export function cPeerReward(k: number): DenseReward {
  return {
    header: { stamp: { sec: 100 + k, nanosec: 500 }, frame_id: "c_peer" },
    source_topics: ["/cam/front", "/cam/wrist"],
    source_stamps: [
      { sec: 100 + k, nanosec: 1 },
      { sec: 100 + k, nanosec: 2 },
    ],
    source_present: [true, false],
    episode_id: (1n << 40n) + 5n + BigInt(k),
    step: k,
    reward: 0.5 + k,
    r_gold: 0,
    phi: 0.25,
    phi_next: 0.375,
    gamma: 0.984375,
    terminal: false,
    truncated: true,
    success_source: "",
    potential: "fused",
    stage: 2,
    stage_names: ["reach", "grasp", "lift"],
    stage_probabilities: new Float32Array([0.125, 0.25, 0.625]),
    stage_progress: 0.75,
    progress: 0.875,
    confidence: 0.5,
    model_name: "c-peer-model",
    model_sha256: "ab".repeat(32),
    status: 1,
    status_detail: "view missing: /cam/wrist",
    latency_ms: 1.5,
  };
}

/** FNV-1a (32 bit), as the C peer reports image data. */
export function fnv1a(data: Uint8Array): string {
  let h = 2166136261;
  for (const byte of data) h = Math.imul(h ^ byte, 16777619) >>> 0;
  return h.toString(16).padStart(8, "0");
}

/** The line the C peer prints for an image it received. */
export function imageLine(m: Image): string {
  return (
    `image sec=${m.header.stamp.sec} nanosec=${m.header.stamp.nanosec} frame_id=${m.header.frame_id} ` +
    `height=${m.height} width=${m.width} encoding=${m.encoding} is_bigendian=${m.is_bigendian} step=${m.step} ` +
    `bytes=${m.data.byteLength} fnv1a=${fnv1a(m.data)}`
  );
}

/** The line the C peer prints for a reward it received (numbers chosen so %.17g and JS agree). */
export function rewardLine(m: DenseReward): string {
  const bool = (b: boolean): string => (b ? "1" : "0");
  return [
    `reward sec=${m.header.stamp.sec} nanosec=${m.header.stamp.nanosec} frame_id=${m.header.frame_id}`,
    `source_topics=${m.source_topics.join(",")}`,
    `source_stamps=${m.source_stamps.map((t) => `${t.sec}:${t.nanosec}`).join(",")}`,
    `source_present=${m.source_present.map(bool).join(",")}`,
    `episode_id=${m.episode_id} step=${m.step} reward=${m.reward} r_gold=${m.r_gold} phi=${m.phi}`,
    `phi_next=${m.phi_next} gamma=${m.gamma} terminal=${bool(m.terminal)} truncated=${bool(m.truncated)}`,
    `success_source=${m.success_source}`,
    `potential=${m.potential} stage=${m.stage} stage_names=${m.stage_names.join(",")}`,
    `stage_probabilities=${[...m.stage_probabilities].join(",")} stage_progress=${m.stage_progress}`,
    `progress=${m.progress} confidence=${m.confidence} model_name=${m.model_name}`,
    `model_sha256=${m.model_sha256} status=${m.status} status_detail=${m.status_detail} latency_ms=${m.latency_ms}`,
  ].join(" ");
}
