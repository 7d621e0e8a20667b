import type { Rng } from "../random.js";
import type { LayoutBody, TaskLayout } from "./layout.js";
import type { AppearanceSpec, BodySpec, CameraSpec, TextureSpec, Vec3, ViewName, WorldSpec } from "./spec.js";

export interface RandomizationOptions {
  /** Number of distractor objects is drawn from [min, max]. */
  distractors: [number, number];
  /** Camera position jitter (m) and look-at jitter (m), per axis. */
  cameraJitter: number;
  /** When false every episode looks the same (nominal colours, lights, cameras); layouts still vary. */
  appearance: boolean;
}

export const DEFAULT_RANDOMIZATION: RandomizationOptions = {
  distractors: [1, 3],
  cameraJitter: 0.03,
  appearance: true,
};

const TABLE = { halfX: 0.4, halfY: 0.5, thickness: 0.04 };

/** Nominal camera rig. Front looks at the robot's workspace from across the table, side from its right. */
const NOMINAL_CAMERAS: Record<ViewName, CameraSpec> = {
  front: { position: [0.75, 0, 0.5], target: [-0.02, 0, 0.02], fovDeg: 45, attachedToGripper: false },
  side: { position: [0.05, -0.8, 0.45], target: [-0.02, 0, 0.03], fovDeg: 45, attachedToGripper: false },
  // Gripper frame: behind the wrist, above the palm, looking down past the fingers (sees a grasped object
  // below the palm and a pushed block beyond the closed fingers).
  wrist: { position: [-0.1, 0, 0.1], target: [0.05, 0, -0.02], fovDeg: 75, attachedToGripper: true },
};

function hsl(rng: Rng, s: [number, number], l: [number, number], hue?: number): number {
  const h = hue ?? rng.next();
  const sat = rng.uniform(...s);
  const light = rng.uniform(...l);
  // HSL → RGB (CSS formula), packed as 0xRRGGBB.
  const f = (n: number): number => {
    const k = (n + h * 12) % 12;
    const a = sat * Math.min(light, 1 - light);
    return Math.round(255 * (light - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return (f(0) << 16) | (f(8) << 8) | f(4);
}

function texture(rng: Rng): TextureSpec {
  const kind = rng.pick(["plain", "checker", "stripes", "noise"] as const);
  if (kind === "plain") return { kind };
  return { kind, color2: hsl(rng, [0.1, 0.5], [0.3, 0.7]), cells: rng.int(4, 12), seed: rng.uint32() };
}

function appearance(rng: Rng, randomize: boolean): AppearanceSpec {
  if (!randomize) {
    return {
      background: 0xb8c4d0,
      ambientColor: 0xffffff,
      ambientIntensity: 0.55,
      keyColor: 0xffffff,
      keyIntensity: 1.6,
      keyDirection: normalize([0.4, -0.5, 1]),
      gripperColor: 0x3a3f47,
      tableColor: 0x9c7a57,
      tableTexture: { kind: "plain" },
      floorColor: 0x5a5a5a,
    };
  }
  const az = rng.uniform(-Math.PI, Math.PI);
  const el = rng.uniform(0.6, 1.3);
  return {
    background: hsl(rng, [0.05, 0.3], [0.55, 0.85]),
    ambientColor: hsl(rng, [0, 0.2], [0.85, 1]),
    ambientIntensity: rng.uniform(0.35, 0.75),
    keyColor: hsl(rng, [0, 0.3], [0.85, 1]),
    keyIntensity: rng.uniform(1.0, 2.2),
    keyDirection: normalize([Math.cos(az) * Math.cos(el), Math.sin(az) * Math.cos(el), Math.sin(el)]),
    gripperColor: hsl(rng, [0, 0.2], [0.15, 0.35]),
    tableColor: hsl(rng, [0.1, 0.45], [0.35, 0.65]),
    tableTexture: texture(rng),
    floorColor: hsl(rng, [0, 0.2], [0.2, 0.45]),
  };
}

function normalize(v: Vec3): Vec3 {
  const n = Math.hypot(...v);
  return [v[0] / n, v[1] / n, v[2] / n];
}

function jitterCamera(rng: Rng, camera: CameraSpec, amount: number): CameraSpec {
  const j = (v: Vec3, a: number): Vec3 => [
    v[0] + rng.uniform(-a, a),
    v[1] + rng.uniform(-a, a),
    v[2] + rng.uniform(-a, a),
  ];
  const scale = camera.attachedToGripper ? 0.3 : 1;
  return {
    ...camera,
    position: j(camera.position, amount * scale),
    target: j(camera.target, amount * 0.5 * scale),
    fovDeg: camera.fovDeg + rng.uniform(-2, 2),
  };
}

function distractors(rng: Rng, layout: TaskLayout, range: [number, number]): LayoutBody[] {
  const count = rng.int(...range);
  const out: LayoutBody[] = [];
  const keepOut = [...layout.keepOut];
  for (let i = 0; i < count; i++) {
    for (let attempt = 0; attempt < 30; attempt++) {
      const x = rng.uniform(-0.3, 0.3);
      const y = rng.uniform(-0.4, 0.4);
      const r = rng.uniform(0.015, 0.03);
      if (keepOut.some(([kx, ky, kr]) => Math.hypot(x - kx, y - ky) < kr + r + 0.02)) continue;
      const shape = rng.pick(["box", "cylinder", "sphere"] as const);
      const h = shape === "sphere" ? r : rng.uniform(0.015, 0.04);
      out.push({
        name: `distractor_${i}`,
        shape,
        half: [r, r, h],
        position: [x, y, h],
        yaw: rng.uniform(-Math.PI, Math.PI),
        dynamic: true,
        density: 500,
      });
      keepOut.push([x, y, r]);
      break;
    }
  }
  return out;
}

/** A complete world from a task layout: appearance, cameras and distractors drawn from `rng`. */
export function randomizeWorld(
  rng: Rng,
  layout: TaskLayout,
  options: RandomizationOptions = DEFAULT_RANDOMIZATION,
): WorldSpec {
  const look = rng.fork("appearance");
  const paint = (body: LayoutBody, saturation: [number, number]): BodySpec => ({
    ...body,
    color: options.appearance ? hsl(look, saturation, [0.35, 0.6]) : 0xd04030,
    texture: { kind: "plain" },
  });
  const cameraRng = rng.fork("cameras");
  const jitter = options.appearance ? options.cameraJitter : 0;
  const cameras = Object.fromEntries(
    (Object.keys(NOMINAL_CAMERAS) as ViewName[]).map((v) => [
      v,
      jitterCamera(cameraRng, NOMINAL_CAMERAS[v], jitter),
    ]),
  ) as Record<ViewName, CameraSpec>;
  // Task objects and goal markers get evenly spaced hues, so "which block goes where" is always visible.
  const hue = look.next();
  const salient = layout.objects.length + layout.markers.length;
  const taskColor = (k: number, nominal: number): number =>
    options.appearance ? hsl(look, [0.65, 0.9], [0.4, 0.55], (hue + k / salient) % 1) : nominal;
  const objects = layout.objects.map((b, k) => ({ ...paint(b, [0.6, 0.9]), color: taskColor(k, 0xd04030) }));
  return {
    table: TABLE,
    objects,
    fixtures: layout.fixtures.map((b) => ({ ...paint(b, [0.1, 0.4]) })),
    markers: layout.markers.map((m) => ({
      ...m,
      color: options.appearance ? hsl(look, [0.7, 0.9], [0.45, 0.6]) : 0x30c040,
    })),
    distractors: distractors(rng.fork("distractors"), layout, options.distractors).map((b) => ({
      ...paint(b, [0.2, 0.7]),
      texture: options.appearance ? texture(look) : { kind: "plain" },
    })),
    appearance: appearance(look, options.appearance),
    cameras,
    gripperStart: layout.gripperStart,
  };
}
