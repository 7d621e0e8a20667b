import type { DenseReward, EpisodeEvent, Image } from "../codec/messages.js";
import { rgbImage } from "../image/rgbImage.js";

/** Small message builders shared by the dashboard tests. */
export function rewardMessage(step: number, overrides: Partial<DenseReward> = {}): DenseReward {
  const phi = Math.min(1, step / 50);
  return {
    header: { stamp: { sec: 100 + step, nanosec: 0 }, frame_id: "reward" },
    source_topics: [],
    source_stamps: [],
    source_present: [],
    episode_id: 1n,
    step,
    reward: 0.99 * phi - Math.max(0, (step - 1) / 50),
    r_gold: 0,
    phi: Math.max(0, (step - 1) / 50),
    phi_next: phi,
    gamma: 0.99,
    terminal: false,
    truncated: false,
    success_source: "",
    potential: "fused",
    stage: Math.min(2, Math.floor(step / 20)),
    stage_names: ["reach", "grasp", "lift"],
    stage_probabilities: [0.2, 0.3, 0.5],
    stage_progress: 0.5,
    progress: phi,
    confidence: 0.9,
    model_name: "test_model",
    model_sha256: "",
    status: 0,
    status_detail: "",
    latency_ms: 5 + (step % 3),
    ...overrides,
  };
}

export function episodeEvent(event: number, episode: number, step = 0): EpisodeEvent {
  return {
    header: { stamp: { sec: episode, nanosec: 0 }, frame_id: "sim" },
    event,
    episode_id: BigInt(episode),
    step,
    task: "pick_place",
    detail: "",
  };
}

export function gradientImage(width: number, height: number, shift: number, frameId = "camera"): Image {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x + shift) % 256;
      data[i + 1] = y % 256;
      data[i + 2] = 128;
    }
  return rgbImage(width, height, data, { stamp: { sec: shift, nanosec: 0 }, frame_id: frameId });
}
