import type { Quat, Vec3 } from "./spec.js";

// The few rigid-body helpers physics and tasks need on plain tuples; three's math classes would pull a
// rendering dependency into state-only rollouts.

export function yawQuat(yaw: number): Quat {
  return [0, 0, Math.sin(yaw / 2), Math.cos(yaw / 2)];
}

export function quatMul(a: Quat, b: Quat): Quat {
  const [ax, ay, az, aw] = a;
  const [bx, by, bz, bw] = b;
  return [
    aw * bx + ax * bw + ay * bz - az * by,
    aw * by - ax * bz + ay * bw + az * bx,
    aw * bz + ax * by - ay * bx + az * bw,
    aw * bw - ax * bx - ay * by - az * bz,
  ];
}

export function quatConj(q: Quat): Quat {
  return [-q[0], -q[1], -q[2], q[3]];
}

export function rotate(q: Quat, v: Vec3): Vec3 {
  const [x, y, z, w] = q;
  // v' = v + 2w(q×v) + 2q×(q×v)
  const tx = 2 * (y * v[2] - z * v[1]);
  const ty = 2 * (z * v[0] - x * v[2]);
  const tz = 2 * (x * v[1] - y * v[0]);
  return [
    v[0] + w * tx + (y * tz - z * ty),
    v[1] + w * ty + (z * tx - x * tz),
    v[2] + w * tz + (x * ty - y * tx),
  ];
}

/** Yaw (rotation about world z) of a quaternion. */
export function quatYaw(q: Quat): number {
  const [x, y, z, w] = q;
  return Math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z));
}

/** How far the body's local z axis tilts from world z (radians): 0 when upright. */
export function tilt(q: Quat): number {
  const up = rotate(q, [0, 0, 1]);
  return Math.acos(Math.min(1, Math.max(-1, up[2])));
}

export function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

export function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

export function norm(v: Vec3): number {
  return Math.hypot(v[0], v[1], v[2]);
}

export function distXY(a: Vec3, b: Vec3): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

export function clamp01(x: number): number {
  return clamp(x, 0, 1);
}

/** Angle wrapped to (−π, π]. */
export function wrapAngle(a: number): number {
  return Math.atan2(Math.sin(a), Math.cos(a));
}

/** Yaw from `yaw` to the nearest face-aligned grasp of a box oriented `q` (a box repeats every 90°). */
export function faceYawError(q: Quat, yaw: number): number {
  const quarter = Math.PI / 2;
  const e = wrapAngle(quatYaw(q) - yaw);
  return e - quarter * Math.round(e / quarter);
}

/**
 * The yaw turn that lines symmetric parallel fingers up across the heading (dx, dy), within ±π/2: the
 * fingers look the same turned by π, so of the two ways round the shorter one.
 */
export function headingYawError(dx: number, dy: number, yaw: number): number {
  const e = wrapAngle(Math.atan2(dy, dx) - yaw);
  return Math.abs(e) > Math.PI / 2 ? wrapAngle(e + Math.PI) : e;
}

/** Half extent of a shape along a world direction `dir` (unit), given its orientation. */
export function extentAlong(shape: "box" | "cylinder" | "sphere", half: Vec3, q: Quat, dir: Vec3): number {
  if (shape === "sphere") return half[0];
  const ax = rotate(q, [1, 0, 0]);
  const ay = rotate(q, [0, 1, 0]);
  const az = rotate(q, [0, 0, 1]);
  const dot = (a: Vec3): number => Math.abs(a[0] * dir[0] + a[1] * dir[1] + a[2] * dir[2]);
  if (shape === "cylinder") {
    const cosZ = dot(az);
    return half[0] * Math.sqrt(Math.max(0, 1 - cosZ * cosZ)) + half[2] * cosZ;
  }
  return dot(ax) * half[0] + dot(ay) * half[1] + dot(az) * half[2];
}
