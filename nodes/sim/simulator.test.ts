import assert from "node:assert/strict";
import { test } from "node:test";
import { firstValueFrom, filter, take, toArray } from "rxjs";
import { EpisodeEventKind, MsgType, type Action, type GroundTruth } from "../../lib/codec/messages.js";
import { createLogger } from "../../lib/node/log.js";
import { startNode } from "../../lib/node/node.js";
import { until } from "../../lib/testing/wait.js";
import { LocalBus, LocalTransport } from "../../lib/transport/local.js";
import { timeToSeconds } from "../../lib/time/rosTime.js";
import { QOS_DEFAULT, QOS_LATCHED, QOS_SENSOR_DATA } from "../../lib/transport/qos.js";
import { createPublisher, subscribe } from "../../lib/transport/typed.js";
import { simulatorNode } from "./simulator.js";

const action = (episode: bigint, step: number, z: number): Action => ({
  header: { stamp: { sec: 0, nanosec: 0 }, frame_id: "world" },
  episode_id: episode,
  step,
  translation: [0, 0, z],
  yaw: 0,
  gripper: 0,
});

test("lockstep node: steps on /action, resets on /sim/reset, survives bad input", async () => {
  const transport = new LocalTransport(new LocalBus());
  const errors: string[] = [];
  const logger = createLogger("simulator", (level, _n, m) => {
    if (level === "error" || level === "warn") errors.push(m);
  });
  const truths: GroundTruth[] = [];
  const sub = subscribe(transport, "/sim/ground_truth", MsgType.GroundTruth, {
    qos: { ...QOS_DEFAULT, depth: 50 },
  }).subscribe((t) => truths.push(t));
  const events = subscribe(transport, "/episode", MsgType.EpisodeEvent, {
    qos: { ...QOS_LATCHED, depth: 10 },
  });
  const node = await startNode(simulatorNode, {
    transport,
    logger,
    params: { task: "push", seed: 3, views: [], max_steps: 50 },
  });
  const actions = createPublisher(transport, "/action", MsgType.Action);
  const resets = createPublisher(transport, "/sim/reset", MsgType.ResetRequest);
  /** Publishes (or not) and waits for the node's next ground truth. */
  const nextTruth = async (publish: () => void, what: string): Promise<void> => {
    const seen = truths.length;
    publish();
    await until(() => truths.length > seen, { what });
  };

  await nextTruth(() => undefined, "the first ground truth");
  for (let i = 0; i < 3; i++) await nextTruth(() => actions.publish(action(0n, i, 0.01)), `step ${i + 1}`);
  assert.deepEqual(
    truths.map((t) => t.step),
    [0, 1, 2, 3],
  );
  actions.publish({ ...action(0n, 3, 0), translation: [Number.NaN, 0, 0] });
  await until(() => errors.length > 0, { what: "the bad action's error" });
  assert.match(errors.join("\n"), /bad action: .*non-finite/);
  const started = firstValueFrom(
    events.pipe(
      filter((e) => e.event === EpisodeEventKind.START && e.detail === "seed 77"),
      take(1),
    ),
  );
  await nextTruth(
    () =>
      resets.publish({ header: { stamp: { sec: 0, nanosec: 0 }, frame_id: "" }, task: "stack", seed: 77n }),
    "the reset's ground truth",
  );
  const start = await started;
  assert.equal(start.task, "stack");
  assert.deepEqual([truths.at(-1)!.task, truths.at(-1)!.step, truths.at(-1)!.episode_id], ["stack", 0, 1n]);
  await nextTruth(() => actions.publish(action(1n, 0, 0)), "the first step after the reset");
  assert.equal(truths.at(-1)!.step, 1);
  sub.unsubscribe();
  await node.stop();
  await transport.close();
});

test("an episode end announced by another node (a reward model's success) ends the episode here", async () => {
  const transport = new LocalTransport(new LocalBus());
  const truths: GroundTruth[] = [];
  const sub = subscribe(transport, "/sim/ground_truth", MsgType.GroundTruth, {
    qos: { ...QOS_DEFAULT, depth: 50 },
  }).subscribe((t) => truths.push(t));
  const node = await startNode(simulatorNode, {
    transport,
    logger: createLogger("simulator", () => undefined),
    params: { task: "push", seed: 3, views: [] },
  });
  const actions = createPublisher(transport, "/action", MsgType.Action);
  const episodes = createPublisher(transport, "/episode", MsgType.EpisodeEvent, QOS_LATCHED);
  await until(() => truths.length === 1, { what: "the first ground truth" });
  actions.publish(action(0n, 0, 0.01));
  await until(() => truths.length === 2, { what: "step 1" });
  for (const event of [EpisodeEventKind.SUCCESS, EpisodeEventKind.TERMINAL])
    episodes.publish({
      header: { stamp: { sec: 0, nanosec: 0 }, frame_id: "reward" },
      event,
      episode_id: 0n,
      step: 1,
      task: "push",
      detail: "success detected by the reward model",
    });
  actions.publish(action(0n, 1, 0.01));
  await until(() => truths.length === 3, { what: "the step after the announced end" });
  assert.deepEqual(
    [truths[2]!.episode_id, truths[2]!.step],
    [1n, 0],
    "the action after the announced end started the next episode",
  );
  sub.unsubscribe();
  await node.stop();
  await transport.close();
});

test("the simulator node rejects a bad parameter with its name", async () => {
  const transport = new LocalTransport(new LocalBus());
  await assert.rejects(
    startNode(simulatorNode, { transport, params: { task: "juggle", views: [] } }),
    /task/,
  );
  await transport.close();
});

const noDisplay =
  !process.env.DISPLAY && !process.env.CI ? "no X display: run under xvfb-run -a (make test does)" : false;

test("camera images go out per view, stamped with the sim clock", { skip: noDisplay }, async () => {
  const transport = new LocalTransport(new LocalBus());
  const images = firstValueFrom(
    subscribe(transport, "/camera/wrist/image_raw", MsgType.Image, { qos: QOS_SENSOR_DATA }).pipe(
      take(2),
      toArray(),
    ),
  );
  const clocks = firstValueFrom(subscribe(transport, "/clock", MsgType.Clock).pipe(take(2), toArray()));
  const node = await startNode(simulatorNode, {
    transport,
    params: { task: "stack", views: ["front", "wrist"], width: 32, height: 24 },
  });
  createPublisher(transport, "/action", MsgType.Action).publish(action(0n, 0, 0.01));
  const [first, second] = await images;
  assert.deepEqual(
    [first!.width, first!.height, first!.encoding, first!.step, first!.data.byteLength],
    [32, 24, "rgb8", 96, 32 * 24 * 3],
  );
  assert.equal(first!.header.frame_id, "wrist_camera_optical_frame");
  const [c0, c1] = await clocks;
  assert.deepEqual([first!.header.stamp, second!.header.stamp], [c0!.clock, c1!.clock]);
  assert.ok(timeToSeconds(c1!.clock) - timeToSeconds(c0!.clock) > 0.049);
  await node.stop();
  await transport.close();
});
