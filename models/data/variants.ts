import type { RandomizationOptions } from "../../sim/world/randomize.js";

/**
 * Task variants held out of training (training uses the sim's default randomization: 1–3 distractors,
 * 0.03 m camera jitter, randomized appearance), for one-shot adaptation and its evaluation.
 */
export const VARIANTS = {
  clutter: { description: "4–6 distractor objects (training: 1–3)", randomization: { distractors: [4, 6] } },
  camera_shift: {
    description: "camera jitter 0.08 m (training: 0.03 m)",
    randomization: { cameraJitter: 0.08 },
  },
  nominal_look: {
    description: "fixed nominal colours and lights (training: randomized appearance)",
    randomization: { appearance: false },
  },
} satisfies Record<string, { description: string; randomization: Partial<RandomizationOptions> }>;

export type VariantName = keyof typeof VARIANTS;
export const VARIANT_NAMES = Object.keys(VARIANTS) as VariantName[];

export function variantByName(name: string): (typeof VARIANTS)[VariantName] {
  if (!(VARIANT_NAMES as string[]).includes(name)) {
    throw new Error(`unknown variant '${name}': expected one of ${VARIANT_NAMES.join(", ")}`);
  }
  return VARIANTS[name as VariantName];
}
