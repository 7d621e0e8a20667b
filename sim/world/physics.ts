import RAPIER from "@dimforge/rapier3d-compat";
import { GRIPPER } from "./gripper.js";
import { add, clamp, extentAlong, quatConj, quatMul, rotate, wrapAngle, yawQuat } from "./math.js";
import type { BodySpec, Quat, Vec3, WorldSpec } from "./spec.js";

export interface BodyState {
  readonly name: string;
  readonly shape: BodySpec["shape"];
  readonly half: Vec3;
  position: Vec3;
  quaternion: Quat;
  linvel: Vec3;
}

export interface GripperState {
  /** Tool centre point (world). */
  position: Vec3;
  yaw: number;
  /** Gap between the finger pads (m). */
  gap: number;
  /**
   * The closure last commanded, 0 open … 1 closed, as a gripper driver echoes it (Robotiq's requested
   * position, gPR): where the fingers are headed, which the gap only shows a few steps later.
   */
  command: number;
  /** Name of the object held by the grasp attachment, or null. */
  grasped: string | null;
}

export interface WorldState {
  time: number;
  gripper: GripperState;
  /** Task objects by name. */
  objects: Record<string, BodyState>;
  distractors: BodyState[];
}

/** One control command in the gripper's own units (the Action message, after clipping). */
export interface GripperCommand {
  translation: Vec3;
  yaw: number;
  /** 0 = open … 1 = closed. */
  gripper: number;
}

export interface PhysicsOptions {
  /** Control period (s): one `step()` advances this much simulated time. */
  controlDt: number;
  /** Physics substeps per control step. */
  substeps: number;
}

let ready: Promise<void> | undefined;
/** Rapier's WebAssembly module is instantiated once per process (or page). */
export function initPhysics(): Promise<void> {
  ready ??= RAPIER.init();
  return ready;
}

interface Tracked {
  spec: BodySpec;
  body: RAPIER.RigidBody;
  state: BodyState;
}

/**
 * The dynamics of one episode: a Rapier world with the table, task objects, fixtures, distractors and a
 * kinematic parallel-jaw gripper. Objects fall, collide and rest under Rapier; the gripper pushes them
 * with its finger colliders. Grasping is a contact-conditioned attachment: when the closing finger pads
 * reach an object that lies between them, the object is carried rigidly (as a kinematic body) until the
 * fingers open again — a stable grasp without tuning friction-held grasps.
 */
export class PhysicsWorld {
  private readonly world: RAPIER.World;
  private readonly tracked: Tracked[] = [];
  private readonly objectsByName = new Map<string, Tracked>();
  private readonly palm: RAPIER.RigidBody;
  private readonly fingers: [RAPIER.RigidBody, RAPIER.RigidBody];
  private readonly gripper: GripperState;
  private held: { tracked: Tracked; relPosition: Vec3; relRotation: Quat } | undefined;
  private time = 0;
  private readonly snapshot: WorldState;

  /** Needs `await initPhysics()` once before (or use `PhysicsWorld.create`). */
  constructor(
    spec: WorldSpec,
    private readonly options: PhysicsOptions,
  ) {
    this.world = new RAPIER.World({ x: 0, y: 0, z: -9.81 });
    this.world.timestep = options.controlDt / options.substeps;
    // Tabletop objects are centimetres: scale Rapier's tolerances (allowed penetration, prediction
    // distance) to a 10 cm unit instead of its 1 m default.
    this.world.lengthUnit = 0.1;
    const { table } = spec;
    const tableBody = this.world.createRigidBody(
      RAPIER.RigidBodyDesc.fixed().setTranslation(0, 0, -table.thickness / 2),
    );
    this.world.createCollider(
      RAPIER.ColliderDesc.cuboid(table.halfX, table.halfY, table.thickness / 2).setFriction(0.8),
      tableBody,
    );
    // A floor below the table, so that a dropped object comes to rest where the cameras can still see it.
    const floor = this.world.createRigidBody(RAPIER.RigidBodyDesc.fixed().setTranslation(0, 0, -0.8));
    this.world.createCollider(RAPIER.ColliderDesc.cuboid(3, 3, 0.05), floor);

    for (const body of spec.fixtures) this.addBody(body);
    for (const body of spec.objects) this.objectsByName.set(body.name, this.addBody(body));
    for (const body of spec.distractors) this.addBody(body);

    const kinematic = (): RAPIER.RigidBody =>
      this.world.createRigidBody(RAPIER.RigidBodyDesc.kinematicPositionBased());
    this.palm = kinematic();
    this.world.createCollider(RAPIER.ColliderDesc.cuboid(...GRIPPER.palmHalf), this.palm);
    this.fingers = [kinematic(), kinematic()];
    for (const finger of this.fingers) {
      this.world.createCollider(
        RAPIER.ColliderDesc.cuboid(
          GRIPPER.fingerWidth / 2,
          GRIPPER.fingerThickness / 2,
          GRIPPER.fingerLength / 2,
        ).setFriction(1.0),
        finger,
      );
    }
    this.gripper = {
      position: [...spec.gripperStart.position],
      yaw: spec.gripperStart.yaw,
      gap: GRIPPER.maxGap,
      command: 0,
      grasped: null,
    };
    this.placeGripper(this.gripper, true);
    this.snapshot = {
      time: 0,
      gripper: this.gripper,
      objects: Object.fromEntries([...this.objectsByName].map(([name, t]) => [name, t.state])),
      distractors: this.tracked.filter((t) => spec.distractors.includes(t.spec)).map((t) => t.state),
    };
    this.refresh();
  }

  static async create(spec: WorldSpec, options: PhysicsOptions): Promise<PhysicsWorld> {
    await initPhysics();
    return new PhysicsWorld(spec, options);
  }

  private addBody(spec: BodySpec): Tracked {
    // No sleeping: a handful of bodies costs nothing awake, and a sleeping block ignores kinematic fingers.
    const desc = spec.dynamic
      ? RAPIER.RigidBodyDesc.dynamic().setCanSleep(false)
      : RAPIER.RigidBodyDesc.fixed();
    const q = yawQuat(spec.yaw);
    desc.setTranslation(...spec.position).setRotation({ x: q[0], y: q[1], z: q[2], w: q[3] });
    const body = this.world.createRigidBody(desc);
    const [hx, hy, hz] = spec.half;
    const collider =
      spec.shape === "box"
        ? RAPIER.ColliderDesc.cuboid(hx, hy, hz)
        : spec.shape === "sphere"
          ? RAPIER.ColliderDesc.ball(hx)
          : // Rapier's cylinders stand along local y; rotate the collider so the axis is z like the spec.
            RAPIER.ColliderDesc.cylinder(hz, hx).setRotation({
              x: Math.SQRT1_2,
              y: 0,
              z: 0,
              w: Math.SQRT1_2,
            });
    this.world.createCollider(collider.setDensity(spec.density).setFriction(0.8).setRestitution(0.05), body);
    const tracked: Tracked = {
      spec,
      body,
      state: {
        name: spec.name,
        shape: spec.shape,
        half: spec.half,
        position: [0, 0, 0],
        quaternion: [0, 0, 0, 1],
        linvel: [0, 0, 0],
      },
    };
    this.tracked.push(tracked);
    return tracked;
  }

  /** The state after the last step. The returned object is updated in place by the next step. */
  state(): WorldState {
    return this.snapshot;
  }

  /** Advance one control period: move the gripper by the (clipped) command, then integrate physics. */
  step(command: GripperCommand): void {
    const g = this.gripper;
    const from = { position: [...g.position] as Vec3, yaw: g.yaw, gap: g.gap };
    const [t0, t1, t2] = command.translation;
    const len = Math.hypot(t0, t1, t2);
    const scale = len > GRIPPER.maxStepTranslation ? GRIPPER.maxStepTranslation / len : 1;
    const target: Vec3 = [0, 1, 2].map((i) =>
      clamp(
        g.position[i]! + command.translation[i]! * scale,
        GRIPPER.workspaceMin[i]!,
        GRIPPER.workspaceMax[i]!,
      ),
    ) as Vec3;
    const yaw = wrapAngle(g.yaw + clamp(command.yaw, -GRIPPER.maxStepYaw, GRIPPER.maxStepYaw));
    const closure = clamp(command.gripper, 0, 1);
    const wantGap = (1 - closure) * GRIPPER.maxGap;
    let gap = g.gap + clamp(wantGap - g.gap, -GRIPPER.maxStepGap, GRIPPER.maxStepGap);

    // Fingers stop where they meet an object lying between them (their contact), and a grasp starts there.
    if (this.held) {
      const width = 2 * this.extentAcrossFingers(this.held.tracked, from.yaw);
      if (wantGap > width + 0.006) this.release();
      else gap = width;
    } else {
      const between = this.objectBetweenFingers(from.position, from.yaw);
      if (between) {
        const width = 2 * this.extentAcrossFingers(between, from.yaw);
        if (gap <= width + 0.002 && wantGap < width) {
          gap = width;
          this.attach(between, from.position, from.yaw);
        } else gap = Math.max(gap, width);
      }
    }

    const n = this.options.substeps;
    const pose: GripperState = { position: [0, 0, 0], yaw: 0, gap: 0, command: closure, grasped: null };
    const dyaw = wrapAngle(yaw - from.yaw);
    for (let k = 1; k <= n; k++) {
      const a = k / n;
      for (let i = 0; i < 3; i++) pose.position[i] = from.position[i]! + (target[i]! - from.position[i]!) * a;
      pose.yaw = from.yaw + dyaw * a;
      pose.gap = from.gap + (gap - from.gap) * a;
      this.placeGripper(pose, false);
      this.world.step();
    }
    g.position = target;
    g.yaw = yaw;
    g.gap = gap;
    g.command = closure;
    g.grasped = this.held?.tracked.spec.name ?? null;
    this.time += this.options.controlDt;
    this.refresh();
  }

  free(): void {
    this.world.free();
  }

  private placeGripper(pose: GripperState, teleport: boolean): void {
    const q = yawQuat(pose.yaw);
    const rot = { x: q[0], y: q[1], z: q[2], w: q[3] };
    const set = (body: RAPIER.RigidBody, p: Vec3): void => {
      const t = { x: p[0], y: p[1], z: p[2] };
      if (teleport) {
        body.setTranslation(t, true);
        body.setRotation(rot, true);
      } else {
        body.setNextKinematicTranslation(t);
        body.setNextKinematicRotation(rot);
      }
    };
    set(this.palm, add(pose.position, [0, 0, GRIPPER.fingerLength / 2 + GRIPPER.palmHalf[2]]));
    const offset = pose.gap / 2 + GRIPPER.fingerThickness / 2;
    set(this.fingers[0], add(pose.position, rotate(q, [0, offset, 0])));
    set(this.fingers[1], add(pose.position, rotate(q, [0, -offset, 0])));
    if (this.held && !teleport) {
      const { body } = this.held.tracked;
      const p = add(pose.position, rotate(q, this.held.relPosition));
      const r = quatMul(q, this.held.relRotation);
      body.setNextKinematicTranslation({ x: p[0], y: p[1], z: p[2] });
      body.setNextKinematicRotation({ x: r[0], y: r[1], z: r[2], w: r[3] });
    }
  }

  private extentAcrossFingers(t: Tracked, yaw: number): number {
    const across: Vec3 = [-Math.sin(yaw), Math.cos(yaw), 0];
    return extentAlong(t.spec.shape, t.spec.half, t.state.quaternion, across);
  }

  /** A task object whose centre lies between the finger pads (within their length and width). */
  private objectBetweenFingers(p: Vec3, yaw: number): Tracked | undefined {
    const c = Math.cos(yaw);
    const s = Math.sin(yaw);
    for (const t of this.objectsByName.values()) {
      const d = [t.state.position[0] - p[0], t.state.position[1] - p[1], t.state.position[2] - p[2]];
      const lx = c * d[0]! + s * d[1]!;
      const ly = -s * d[0]! + c * d[1]!;
      if (
        Math.abs(lx) < GRIPPER.fingerWidth / 2 + 0.012 &&
        Math.abs(ly) < 0.015 &&
        Math.abs(d[2]!) < GRIPPER.fingerLength / 2 &&
        2 * this.extentAcrossFingers(t, yaw) < this.gripper.gap + 0.004
      ) {
        return t;
      }
    }
    return undefined;
  }

  private attach(t: Tracked, p: Vec3, yaw: number): void {
    const inv = quatConj(yawQuat(yaw));
    this.held = {
      tracked: t,
      relPosition: rotate(inv, [
        t.state.position[0] - p[0],
        t.state.position[1] - p[1],
        t.state.position[2] - p[2],
      ]),
      relRotation: quatMul(inv, t.state.quaternion),
    };
    t.body.setBodyType(RAPIER.RigidBodyType.KinematicPositionBased, true);
  }

  private release(): void {
    if (!this.held) return;
    const { body } = this.held.tracked;
    const v = body.linvel();
    body.setBodyType(RAPIER.RigidBodyType.Dynamic, true);
    body.setLinvel(v, true);
    this.held = undefined;
  }

  private refresh(): void {
    for (const t of this.tracked) {
      const p = t.body.translation();
      const q = t.body.rotation();
      const v = t.body.linvel();
      const s = t.state;
      s.position[0] = p.x;
      s.position[1] = p.y;
      s.position[2] = p.z;
      s.quaternion[0] = q.x;
      s.quaternion[1] = q.y;
      s.quaternion[2] = q.z;
      s.quaternion[3] = q.w;
      s.linvel[0] = v.x;
      s.linvel[1] = v.y;
      s.linvel[2] = v.z;
    }
    this.snapshot.time = this.time;
  }
}
