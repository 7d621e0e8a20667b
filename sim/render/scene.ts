import * as THREE from "three";
import { Rng } from "../random.js";
import { GRIPPER } from "../world/gripper.js";
import type { BodyState, WorldState } from "../world/physics.js";
import type { BodySpec, TextureSpec, ViewName, WorldSpec } from "../world/spec.js";

/**
 * The Three.js scene of a tabletop world: meshes built from a WorldSpec and moved to the physics state.
 * It knows nothing about how it is drawn (headless gl in Node, a canvas in the dashboard's browser).
 * World frame is z up; cameras use z as their up vector.
 */
export class TabletopScene {
  readonly scene = new THREE.Scene();
  private readonly content = new THREE.Group();
  private readonly bodies = new Map<string, THREE.Object3D>();
  private readonly gripper = new THREE.Group();
  private readonly fingers: [THREE.Mesh, THREE.Mesh];
  private readonly cameras = new Map<ViewName, THREE.PerspectiveCamera>();
  private spec: WorldSpec | undefined;
  private readonly key = new THREE.DirectionalLight();
  private readonly ambient = new THREE.AmbientLight();
  private readonly disposables: { dispose(): void }[] = [];
  private readonly gripperMaterial = new THREE.MeshLambertMaterial();

  constructor() {
    this.scene.add(this.content, this.gripper, this.ambient, this.key, this.key.target);
    this.key.castShadow = true;
    this.key.shadow.mapSize.set(512, 512);
    const shadowCam = this.key.shadow.camera;
    shadowCam.left = shadowCam.bottom = -0.6;
    shadowCam.right = shadowCam.top = 0.6;
    shadowCam.near = 0.1;
    shadowCam.far = 3;
    this.key.shadow.bias = -0.002;
    // Gripper: palm, two fingers, and a wrist stub up to where an arm would hold it.
    const f = GRIPPER;
    const box = (hx: number, hy: number, hz: number): THREE.Mesh => {
      const mesh = new THREE.Mesh(new THREE.BoxGeometry(2 * hx, 2 * hy, 2 * hz), this.gripperMaterial);
      mesh.castShadow = true;
      return mesh;
    };
    const palm = box(...f.palmHalf);
    palm.position.z = f.fingerLength / 2 + f.palmHalf[2];
    const wrist = new THREE.Mesh(new THREE.CylinderGeometry(0.018, 0.018, 0.12, 16), this.gripperMaterial);
    wrist.rotation.x = Math.PI / 2;
    wrist.position.z = f.fingerLength / 2 + 2 * f.palmHalf[2] + 0.06;
    wrist.castShadow = true;
    this.fingers = [
      box(f.fingerWidth / 2, f.fingerThickness / 2, f.fingerLength / 2),
      box(f.fingerWidth / 2, f.fingerThickness / 2, f.fingerLength / 2),
    ];
    this.gripper.add(palm, wrist, ...this.fingers);
  }

  /** Replaces the scene's contents with a new episode's world. */
  build(spec: WorldSpec): void {
    this.clear();
    this.spec = spec;
    const a = spec.appearance;
    this.scene.background = new THREE.Color(a.background);
    this.ambient.color.setHex(a.ambientColor);
    this.ambient.intensity = a.ambientIntensity;
    this.key.color.setHex(a.keyColor);
    this.key.intensity = a.keyIntensity;
    this.key.position.set(a.keyDirection[0] * 1.5, a.keyDirection[1] * 1.5, a.keyDirection[2] * 1.5);
    this.gripperMaterial.color.setHex(a.gripperColor);

    const { table } = spec;
    const tableMesh = new THREE.Mesh(
      new THREE.BoxGeometry(2 * table.halfX, 2 * table.halfY, table.thickness),
      this.material(a.tableColor, a.tableTexture),
    );
    tableMesh.position.z = -table.thickness / 2;
    tableMesh.receiveShadow = true;
    const floor = new THREE.Mesh(
      new THREE.PlaneGeometry(6, 6),
      this.material(a.floorColor, { kind: "plain" }),
    );
    floor.position.z = -0.75;
    floor.receiveShadow = true;
    this.track(tableMesh.geometry, floor.geometry);
    this.content.add(tableMesh, floor);
    for (const m of spec.markers) {
      const disc = new THREE.Mesh(
        new THREE.CircleGeometry(m.radius, 32),
        this.material(m.color, { kind: "plain" }),
      );
      disc.position.set(...m.position);
      disc.receiveShadow = true;
      this.track(disc.geometry);
      this.content.add(disc);
    }
    for (const body of [...spec.fixtures, ...spec.objects, ...spec.distractors]) {
      const mesh = this.bodyMesh(body);
      this.bodies.set(body.name, mesh);
      this.content.add(mesh);
    }
    for (const [view, c] of Object.entries(spec.cameras) as [ViewName, WorldSpec["cameras"][ViewName]][]) {
      const camera = this.cameras.get(view) ?? new THREE.PerspectiveCamera();
      camera.fov = c.fovDeg;
      camera.near = 0.01;
      camera.far = 5;
      camera.up.set(0, 0, 1);
      if (!c.attachedToGripper) {
        camera.position.set(...c.position);
        camera.lookAt(...c.target);
      }
      this.cameras.set(view, camera);
    }
  }

  /** Moves everything to the state (bodies, gripper, the wrist camera). */
  update(state: WorldState): void {
    const place = (s: BodyState): void => {
      const mesh = this.bodies.get(s.name);
      if (!mesh) return;
      mesh.position.set(...s.position);
      mesh.quaternion.set(...s.quaternion);
    };
    for (const s of Object.values(state.objects)) place(s);
    for (const s of state.distractors) place(s);
    const g = state.gripper;
    this.gripper.position.set(...g.position);
    this.gripper.rotation.set(0, 0, g.yaw);
    const offset = g.gap / 2 + GRIPPER.fingerThickness / 2;
    this.fingers[0].position.set(0, offset, 0);
    this.fingers[1].position.set(0, -offset, 0);
    const wrist = this.spec?.cameras.wrist;
    const camera = this.cameras.get("wrist");
    if (wrist && camera) {
      this.gripper.updateMatrixWorld();
      camera.position.set(...wrist.position).applyMatrix4(this.gripper.matrixWorld);
      camera.lookAt(new THREE.Vector3(...wrist.target).applyMatrix4(this.gripper.matrixWorld));
    }
  }

  camera(view: ViewName, aspect: number): THREE.PerspectiveCamera {
    const camera = this.cameras.get(view);
    if (!camera) throw new Error(`no camera '${view}': build() a world first`);
    if (camera.aspect !== aspect) {
      camera.aspect = aspect;
      camera.updateProjectionMatrix();
    }
    return camera;
  }

  dispose(): void {
    this.clear();
    this.gripperMaterial.dispose();
    this.gripper.traverse((o) => (o as THREE.Mesh).geometry?.dispose());
  }

  private bodyMesh(body: BodySpec): THREE.Mesh {
    const [hx, hy, hz] = body.half;
    let geometry: THREE.BufferGeometry;
    if (body.shape === "box") geometry = new THREE.BoxGeometry(2 * hx, 2 * hy, 2 * hz);
    else if (body.shape === "sphere") geometry = new THREE.SphereGeometry(hx, 20, 14);
    else geometry = new THREE.CylinderGeometry(hx, hx, 2 * hz, 24).rotateX(Math.PI / 2);
    this.track(geometry);
    const mesh = new THREE.Mesh(geometry, this.material(body.color, body.texture));
    mesh.castShadow = true;
    mesh.receiveShadow = true;
    mesh.position.set(...body.position);
    mesh.rotation.set(0, 0, body.yaw);
    return mesh;
  }

  private material(color: number, texture: TextureSpec): THREE.MeshLambertMaterial {
    const material = new THREE.MeshLambertMaterial({ color: texture.kind === "plain" ? color : 0xffffff });
    if (texture.kind !== "plain") {
      material.map = proceduralTexture(color, texture);
      this.track(material.map);
    }
    this.track(material);
    return material;
  }

  private track(...items: { dispose(): void }[]): void {
    this.disposables.push(...items);
  }

  private clear(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.content.clear();
    this.bodies.clear();
  }
}

const TEXTURE_SIZE = 64;

/** A small seeded pattern (checker, stripes or value noise) for domain randomization of surfaces. */
export function proceduralTexture(
  color: number,
  spec: Exclude<TextureSpec, { kind: "plain" }>,
): THREE.DataTexture {
  const data = new Uint8Array(TEXTURE_SIZE * TEXTURE_SIZE * 4);
  const c1 = new THREE.Color(color);
  const c2 = new THREE.Color(spec.color2);
  const rng = new Rng(spec.seed);
  const cell = TEXTURE_SIZE / spec.cells;
  const grid = Array.from({ length: (spec.cells + 1) ** 2 }, () => rng.next());
  for (let y = 0; y < TEXTURE_SIZE; y++) {
    for (let x = 0; x < TEXTURE_SIZE; x++) {
      const cx = Math.floor(x / cell);
      const cy = Math.floor(y / cell);
      const t =
        spec.kind === "checker"
          ? (cx + cy) % 2
          : spec.kind === "stripes"
            ? cx % 2
            : grid[cy * (spec.cells + 1) + cx]!;
      const i = (y * TEXTURE_SIZE + x) * 4;
      data[i] = Math.round(255 * (c1.r + (c2.r - c1.r) * t));
      data[i + 1] = Math.round(255 * (c1.g + (c2.g - c1.g) * t));
      data[i + 2] = Math.round(255 * (c1.b + (c2.b - c1.b) * t));
      data[i + 3] = 255;
    }
  }
  const texture = new THREE.DataTexture(data, TEXTURE_SIZE, TEXTURE_SIZE);
  texture.colorSpace = THREE.SRGBColorSpace;
  texture.wrapS = texture.wrapT = THREE.RepeatWrapping;
  texture.magFilter = THREE.NearestFilter;
  texture.needsUpdate = true;
  return texture;
}
