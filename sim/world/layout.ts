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
  /** Places on the table distractors must keep away from: [x, y, radius]. */
  keepOut: [number, number, number][];
}
