import type { WorldState } from "../world/physics.js";
import type { ViewName, WorldSpec } from "../world/spec.js";

/** One camera image: tightly packed RGB, rows top to bottom (ROS `rgb8`). */
export interface Frame {
  readonly view: ViewName;
  readonly width: number;
  readonly height: number;
  /** Owned by the renderer and overwritten by the next render: copy it to keep it. */
  readonly data: Uint8Array;
}

/** Draws the configured views of a world into RGB buffers. */
export interface FrameRenderer {
  readonly views: readonly ViewName[];
  readonly width: number;
  readonly height: number;
  /** Builds the scene of a new episode's world. */
  setWorld(spec: WorldSpec): void;
  render(state: WorldState): readonly Frame[];
  dispose(): void;
}
