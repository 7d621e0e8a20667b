import type { Vec3 } from "./spec.js";

/**
 * Geometry and limits of the floating parallel-jaw gripper. Its pose is the tool centre point (TCP): the
 * point midway between the fingertip pads. Fingers hang from the palm and close along the gripper's
 * local y axis; the gripper turns only about world z (yaw), as the Action message allows.
 */
export const GRIPPER = Object.freeze({
  fingerLength: 0.045,
  /** Finger pad size along local x (width) and y (thickness). */
  fingerWidth: 0.02,
  fingerThickness: 0.012,
  /** Gap between the finger pads when fully open. */
  maxGap: 0.085,
  palmHalf: [0.02, 0.06, 0.012] as Vec3,
  /** Largest commanded motion per control step; bigger actions are clipped to these. */
  maxStepTranslation: 0.03,
  maxStepYaw: 0.2,
  maxStepGap: 0.02,
  /** TCP workspace (world): fingertips stay just above the table; it reaches past the table's edges. */
  workspaceMin: [-0.45, -0.55, 0.0245] as Vec3,
  workspaceMax: [0.45, 0.55, 0.4] as Vec3,
});
