import type { Action, Header } from "../codec/messages.js";

/**
 * The action vector of `msgs/msg/Action.msg` in its field order: translation x, y, z (m per step), yaw
 * (rad per step), gripper (0 open … 1 closed). The learner works in [-1, 1] per dimension; these bounds map
 * between the two.
 */
export const ACTION_NAMES = ["translation_x", "translation_y", "translation_z", "yaw", "gripper"] as const;
export const ACTION_DIM = ACTION_NAMES.length;

export interface ActionBounds {
  readonly low: readonly number[];
  readonly high: readonly number[];
  /**
   * The gripper is commanded open or closed (normalized sign), not to a gap in between. A regressed policy
   * averages the demos' open and close commands where the expert switches between them, and a proportional
   * gripper then settles half-closed beside the object for the rest of the episode (measured on
   * pick_place's BC policies); a parallel-jaw gripper on a robot is driven open/closed too, and learners
   * for real grippers treat it as a discrete choice (HIL-SERL).
   */
  readonly binaryGripper: boolean;
}

const GRIPPER_INDEX = 4;

export function actionBounds(
  maxTranslation: number,
  maxYaw: number,
  options: { readonly binaryGripper?: boolean } = {},
): ActionBounds {
  if (!(maxTranslation > 0) || !(maxYaw >= 0)) {
    throw new Error(
      `action bounds need max_translation > 0 and max_yaw >= 0 (got ${maxTranslation}, ${maxYaw})`,
    );
  }
  return {
    low: [-maxTranslation, -maxTranslation, -maxTranslation, -maxYaw, 0],
    high: [maxTranslation, maxTranslation, maxTranslation, maxYaw, 1],
    binaryGripper: options.binaryGripper ?? false,
  };
}

/**
 * The normalized action the robot will carry out: clipped to [-1, 1] and, with a binary gripper, the
 * gripper at −1 or 1. The learner stores this one, so its critic rates what was done, not what was asked.
 */
export function executedAction(normalized: ArrayLike<number>, bounds: ActionBounds): Float32Array {
  const out = new Float32Array(ACTION_DIM);
  for (let i = 0; i < ACTION_DIM; i++) out[i] = Math.max(-1, Math.min(1, normalized[i]!));
  if (bounds.binaryGripper) out[GRIPPER_INDEX] = out[GRIPPER_INDEX]! >= 0 ? 1 : -1;
  return out;
}

/** [-1, 1] → physical units. */
export function denormalizeAction(normalized: ArrayLike<number>, bounds: ActionBounds): Float32Array {
  const x = executedAction(normalized, bounds);
  const out = new Float32Array(ACTION_DIM);
  for (let i = 0; i < ACTION_DIM; i++)
    out[i] = bounds.low[i]! + ((x[i]! + 1) / 2) * (bounds.high[i]! - bounds.low[i]!);
  return out;
}

/** Physical units → [-1, 1], clipped: demos and recorded actions may exceed the learner's bounds. */
export function normalizeAction(action: ArrayLike<number>, bounds: ActionBounds): Float32Array {
  const out = new Float32Array(ACTION_DIM);
  for (let i = 0; i < ACTION_DIM; i++) {
    const span = bounds.high[i]! - bounds.low[i]!;
    const x = span === 0 ? 0 : (2 * (action[i]! - bounds.low[i]!)) / span - 1;
    out[i] = Math.max(-1, Math.min(1, x));
  }
  return out;
}

export function actionMessage(
  header: Header,
  episodeId: bigint,
  step: number,
  action: ArrayLike<number>,
): Action {
  return {
    header,
    episode_id: episodeId,
    step,
    translation: [action[0]!, action[1]!, action[2]!],
    yaw: action[3]!,
    gripper: action[4]!,
  };
}

export function actionVector(message: Action): Float32Array {
  const t = message.translation;
  return Float32Array.from([t[0]!, t[1]!, t[2]!, message.yaw, message.gripper]);
}
