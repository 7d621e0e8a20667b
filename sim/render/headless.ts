import { createRequire } from "node:module";
import * as THREE from "three";
import type { WorldState } from "../world/physics.js";
import type { ViewName, WorldSpec } from "../world/spec.js";
import type { Frame, FrameRenderer } from "./frames.js";
import { TabletopScene } from "./scene.js";

// headless-gl is a CommonJS native addon; it needs an X display (Xvfb: `xvfb-run -a`).
const require = createRequire(import.meta.url);

export interface HeadlessOptions {
  width: number;
  height: number;
  views: readonly ViewName[];
  /** Cast shadows from the key light (about half the rendering cost on a software rasterizer). */
  shadows: boolean;
}

type RendererParameters = NonNullable<ConstructorParameters<typeof THREE.WebGLRenderer>[0]>;

/** The part of headless-gl's WebGL 1 context used here besides what three does with it. */
interface HeadlessGL {
  readonly RGBA: number;
  readonly UNSIGNED_BYTE: number;
  readPixels(x: number, y: number, w: number, h: number, format: number, type: number, out: Uint8Array): void;
  getExtension(name: "STACKGL_destroy_context"): { destroy(): void } | null;
}

/** The little of an HTMLCanvasElement that three's WebGLRenderer touches when given a context. */
function fakeCanvas(width: number, height: number): RendererParameters["canvas"] {
  return {
    width,
    height,
    style: {},
    addEventListener: () => {},
    removeEventListener: () => {},
  } as unknown as RendererParameters["canvas"];
}

/**
 * Renders the views of a TabletopScene in Node with headless-gl (WebGL 1) and reads them back into one
 * RGB buffer per view, reused from frame to frame. GL reads rows bottom-up as RGBA; one pass per view
 * drops alpha and flips rows into the ROS order (top row first).
 */
export function createHeadlessRenderer(options: HeadlessOptions): FrameRenderer {
  const { width, height, views } = options;
  const createGL = require("gl") as (w: number, h: number, o: object) => HeadlessGL | null;
  const gl = createGL(width, height, { antialias: false, preserveDrawingBuffer: true, alpha: false });
  if (!gl) {
    throw new Error(
      "could not create a headless WebGL context: is an X display available? Run under `xvfb-run -a` " +
        "(Debian packages xvfb, libgl1-mesa-dri)",
    );
  }
  const renderer = new THREE.WebGLRenderer({
    canvas: fakeCanvas(width, height),
    context: gl as unknown as RendererParameters["context"],
    antialias: false,
  });
  renderer.setPixelRatio(1);
  renderer.setSize(width, height, false);
  renderer.shadowMap.enabled = options.shadows;
  // One depth sample per pixel: soft (PCF) edges cost more than they show at training-image sizes.
  renderer.shadowMap.type = THREE.BasicShadowMap;
  // The shadow map depends on the world, not the view: draw it once per step, not once per camera.
  renderer.shadowMap.autoUpdate = false;
  const scene = new TabletopScene();
  const rgba = new Uint8Array(width * height * 4);
  const frames: Frame[] = views.map((view) => ({
    view,
    width,
    height,
    data: new Uint8Array(width * height * 3),
  }));
  let built = false;

  const readInto = (out: Uint8Array): void => {
    gl.readPixels(0, 0, width, height, gl.RGBA, gl.UNSIGNED_BYTE, rgba);
    const rowIn = width * 4;
    const rowOut = width * 3;
    for (let y = 0; y < height; y++) {
      let i = (height - 1 - y) * rowIn;
      let o = y * rowOut;
      for (let x = 0; x < width; x++, i += 4, o += 3) {
        out[o] = rgba[i]!;
        out[o + 1] = rgba[i + 1]!;
        out[o + 2] = rgba[i + 2]!;
      }
    }
  };

  return {
    views,
    width,
    height,
    setWorld(spec: WorldSpec) {
      scene.build(spec);
      built = true;
    },
    render(state: WorldState) {
      if (!built) throw new Error("setWorld() before render()");
      scene.update(state);
      renderer.shadowMap.needsUpdate = true;
      for (const frame of frames) {
        renderer.render(scene.scene, scene.camera(frame.view, width / height));
        readInto(frame.data);
      }
      return frames;
    },
    dispose() {
      scene.dispose();
      // renderer.dispose() would stop an animation loop through `self`, which Node lacks; destroying the
      // context frees every GL object at once.
      renderer.renderLists.dispose();
      gl.getExtension("STACKGL_destroy_context")?.destroy();
    },
  };
}
