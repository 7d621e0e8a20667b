import type { GroundTruth } from "../codec/messages.js";

/**
 * A ground-truth message for tests that round-trip one (codec, bags): a stack episode half-way through
 * its grasp stage, with whatever the test checks given in `fields`.
 */
export function testGroundTruth(fields: Partial<GroundTruth> & Pick<GroundTruth, "header">): GroundTruth {
  return {
    episode_id: 9n,
    step: 3,
    task: "stack",
    stage_names: ["reach", "grasp"],
    stage: 1,
    stage_progress: 0.5,
    progress: 0.75,
    success: false,
    terminal: false,
    truncated: false,
    ...fields,
  };
}
