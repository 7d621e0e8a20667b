/**
 * The description of one randomized world: what physics builds and what the renderer draws. Plain data
 * (no Three.js, no Rapier) so that the same spec can be built in Node, in a browser, or sent as JSON.
 * Frame: metres, z up, the table top is z = 0, the robot stands at −x looking towards +x.
 */
export type Vec3 = [number, number, number];
/** Quaternion x, y, z, w. */
export type Quat = [number, number, number, number];

export type TextureSpec =
  { kind: "plain" } | { kind: "checker" | "stripes" | "noise"; color2: number; cells: number; seed: number };

export interface BodySpec {
  name: string;
  shape: "box" | "cylinder" | "sphere";
  /** Box: half extents x, y, z. Cylinder: [radius, radius, half height]. Sphere: [radius, radius, radius]. */
  half: Vec3;
  position: Vec3;
  yaw: number;
  color: number;
  texture: TextureSpec;
  /** Fixed bodies (bin walls) never move; dynamic ones fall, collide and rest. */
  dynamic: boolean;
  density: number;
}

/** A flat visual marker on the table (a push goal); it has no collider. */
export interface MarkerSpec {
  name: string;
  position: Vec3;
  radius: number;
  color: number;
}

export interface CameraSpec {
  /** World position, or for the wrist camera the offset in the gripper frame. */
  position: Vec3;
  /** Point looked at (world, or gripper frame for the wrist camera). */
  target: Vec3;
  fovDeg: number;
  /** The wrist camera moves with the gripper. */
  attachedToGripper: boolean;
}

export interface AppearanceSpec {
  background: number;
  ambientColor: number;
  ambientIntensity: number;
  keyColor: number;
  keyIntensity: number;
  /** Direction the key light shines from (unit vector towards the light). */
  keyDirection: Vec3;
  gripperColor: number;
  tableColor: number;
  tableTexture: TextureSpec;
  floorColor: number;
}

export const VIEW_NAMES = ["front", "side", "wrist"] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

export interface WorldSpec {
  table: { halfX: number; halfY: number; thickness: number };
  /** Task objects, by role name (e.g. "object", "base"). */
  objects: BodySpec[];
  /** Static task fixtures (bin walls). */
  fixtures: BodySpec[];
  markers: MarkerSpec[];
  /** Objects that are there only to be seen (and bumped into). */
  distractors: BodySpec[];
  appearance: AppearanceSpec;
  cameras: Record<ViewName, CameraSpec>;
  gripperStart: { position: Vec3; yaw: number };
}
