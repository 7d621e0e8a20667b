import type { BodySpec, MarkerSpec, Vec3 } from "./spec.js";

/** Task geometry before appearance is randomized (colours and textures come later). */
export type LayoutBody = Omit<BodySpec, "color" | "texture">;

/** What a task lays out on the table; `randomizeWorld` paints it and adds distractors around it. */
export interface TaskLayout {
  objects: LayoutBody[];
  fixtures: LayoutBody[];
  markers: Omit<MarkerSpec, "color">[];
  gripperStart: { position: Vec3; yaw: number };
  /** Where the object should end up (bin centre, goal), for the observation; absent when an object is it. */
  target?: Vec3;
  /**
   * The task lines the gripper up along the heading from the first object to `target` (push): the
   * observation then carries the yaw turn to it, as it carries each object's grasp yaw. A policy cloned
   * from 10 demos does not learn atan2 of the target's offset: without it the cloned push policy stood
   * still beside the block where the expert would turn and climb (docs/experiments, eleventh round).
   */
  targetHeading?: boolean;
  /** Places on the table distractors must keep away from: [x, y, radius]. */
  keepOut: [number, number, number][];
}
