import assert from "node:assert/strict";
import { test } from "node:test";
import type { BagTopic } from "../bag/types.js";
import { camerasIn, noTopic, planCamerasByName, planNamedCameras, type BagCamera } from "./cameras.js";

const VIEWS = ["front", "left", "wrist"];
const cam = (topic: string, type: BagCamera["type"] = "Image"): BagCamera => ({ topic, type, count: 3 });
const topic = (name: string, type: string, serializationFormat = "cdr"): BagTopic => ({
  name,
  type,
  serializationFormat,
  count: 3,
});

test("camera topics: Image and CompressedImage, schema names with or without /msg/, CDR only", () => {
  assert.deepEqual(
    camerasIn([
      topic("/a", "sensor_msgs/msg/Image"),
      topic("/b", "sensor_msgs/CompressedImage"),
      topic("/c", "sensor_msgs/msg/CameraInfo"),
      topic("/d", "sensor_msgs/msg/Image", "ros1"),
      topic("/e", "std_msgs/msg/String"),
      topic("/f", "constructor"),
      topic("/g", "sensor_msgs/msg/__proto__"),
    ]),
    [cam("/a"), cam("/b", "CompressedImage")],
  );
});

test("by name: a whole name part beats a part containing the view; raw beats JPEG; one camera per view", () => {
  const plan = planCamerasByName(VIEWS, [
    cam("/camera/wrist/image_raw/compressed", "CompressedImage"),
    cam("/frontcam/image"),
    cam("/camera/front/image_raw"),
    cam("/camera/wrist/image_raw"),
    cam("/camera/side/image_raw"),
  ]);
  assert.deepEqual(
    plan.views.map((v) => [v.view, v.topic, v.type, v.inBag]),
    [
      ["front", "/camera/front/image_raw", "Image", true],
      ["left", noTopic("left"), "Image", false],
      ["wrist", "/camera/wrist/image_raw", "Image", true],
    ],
  );
  assert.deepEqual(
    plan.unused.map((u) => [u.topic, u.reason]),
    [
      ["/camera/wrist/image_raw/compressed", "view wrist is fed by a better match"],
      ["/frontcam/image", "view front is fed by a better match"],
      ["/camera/side/image_raw", "its name matches none of the model's views (front, left, wrist)"],
    ],
  );
  // With only the looser match there, it is used; view names are matched without regard to case.
  const loose = planCamerasByName(VIEWS, [cam("/FrontCam/image"), cam("/image")]);
  assert.deepEqual(
    loose.views.map((v) => v.topic),
    ["/FrontCam/image", noTopic("left"), noTopic("wrist")],
  );
  assert.equal(loose.unused[0]!.topic, "/image", "never fed to a view by position");
});

test("named: topics in view order, types from the bag, a topic the bag lacks is a missing view", () => {
  const cameras = [cam("/x/jpeg", "CompressedImage"), cam("/y")];
  const plan = planNamedCameras(VIEWS, cameras, { topics: ["/x/jpeg", "/absent", "/z"], types: [] });
  assert.deepEqual(
    plan.views.map((v) => [v.view, v.topic, v.type, v.inBag]),
    [
      ["front", "/x/jpeg", "CompressedImage", true],
      ["left", "/absent", "Image", false],
      ["wrist", "/z", "Image", false],
    ],
  );
  assert.deepEqual(plan.unused, [{ topic: "/y", reason: "not in camera_topics" }]);
});

test("named: fewer topics than views, one topic for several views, [t, t, t] is one camera", () => {
  const bag = [cam("/camera/image_raw")];
  const one = planNamedCameras(VIEWS, bag, { topics: ["/camera/image_raw"], types: [] });
  assert.deepEqual(
    one.views.map((v) => [v.view, v.topic, v.inBag]),
    [
      ["front", "/camera/image_raw", true],
      ["left", noTopic("left"), false],
      ["wrist", noTopic("wrist"), false],
    ],
  );
  assert.deepEqual(one.cameras, [{ topic: "/camera/image_raw", type: "Image" }]);
  assert.deepEqual(one.sources, [0, undefined, undefined]);
  const all = planNamedCameras(VIEWS, bag, {
    topics: ["/camera/image_raw"],
    types: [],
    views: ["front,left,wrist"],
  });
  assert.deepEqual(all.sources, [0, 0, 0]);
  assert.deepEqual(all.cameras, [{ topic: "/camera/image_raw", type: "Image" }]);
  const star = planNamedCameras(VIEWS, bag, { topics: ["/camera/image_raw"], types: [], views: ["*"] });
  assert.deepEqual(star.sources, [0, 0, 0]);
  const thrice = planNamedCameras(VIEWS, bag, { topics: Array(3).fill("/camera/image_raw"), types: [] });
  assert.deepEqual(thrice.sources, [0, 0, 0]);
  assert.equal(thrice.cameras.length, 1);
  const wrist = planNamedCameras(VIEWS, bag, { topics: ["/camera/image_raw"], types: [], views: ["wrist"] });
  assert.deepEqual(wrist.sources, [undefined, undefined, 0]);
});

test("named: wrong counts and a type that contradicts the bag are errors naming what to fix", () => {
  assert.throws(
    () => planNamedCameras(VIEWS, [], { topics: ["/a", "/b", "/c", "/d"], types: [] }),
    /camera_topics has 4 entries, the model has 3 views \(front, left, wrist\)/,
  );
  assert.throws(
    () => planNamedCameras(VIEWS, [], { topics: ["/a"], types: [], views: ["front,side"] }),
    /camera_views\[0\] names view 'side', the model's views are front, left, wrist/,
  );
  assert.throws(
    () => planNamedCameras(VIEWS, [], { topics: ["/a", "/b"], types: [], views: ["front"] }),
    /camera_views has 1 entries for 2 camera_topics/,
  );
  assert.throws(
    () => planNamedCameras(VIEWS, [], { topics: ["/a", "/b"], types: [], views: ["front", "front,left"] }),
    /view front is served by two topics \(\/a and \/b\)/,
  );
  assert.throws(
    () => planNamedCameras(VIEWS, [], { topics: ["/a", "/b", "/c"], types: ["Image"] }),
    /camera_types has 1 entries for 3 camera_topics/,
  );
  assert.throws(
    () =>
      planNamedCameras(VIEWS, [cam("/b", "CompressedImage")], {
        topics: ["/a", "/b", "/c"],
        types: ["Image", "Image", "Image"],
      }),
    /camera_types\[1\] is Image, but the bag records \/b as sensor_msgs\/msg\/CompressedImage/,
  );
});

test("by name: a view name with underscores matches its whole path segment (a real robot's cam_high)", () => {
  const plan = planCamerasByName(
    ["cam_high", "cam_left_wrist", "cam_right_wrist"],
    [
      cam("/cam_right_wrist/image_raw/compressed", "CompressedImage"),
      cam("/cam_high/image_raw/compressed", "CompressedImage"),
      cam("/cam_left_wrist/image_raw/compressed", "CompressedImage"),
    ],
  );
  assert.deepEqual(
    plan.views.map((v) => v.topic),
    [
      "/cam_high/image_raw/compressed",
      "/cam_left_wrist/image_raw/compressed",
      "/cam_right_wrist/image_raw/compressed",
    ],
  );
});
