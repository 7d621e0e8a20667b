import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { chromium } from "playwright-core";
import { EpisodeEventKind, MsgType } from "../../lib/codec/messages.js";
import { episodeEvent, gradientImage, rewardMessage } from "../../lib/dashboard/testMessages.js";
import { createLogger } from "../../lib/node/log.js";
import { startNode } from "../../lib/node/node.js";
import { sleep } from "../../lib/testing/wait.js";
import { LocalBus, LocalTransport } from "../../lib/transport/local.js";
import { QOS_SENSOR_DATA } from "../../lib/transport/qos.js";
import { createPublisher } from "../../lib/transport/typed.js";
import { dashboardNode } from "./dashboard.js";

const CHROMIUM = "/usr/bin/chromium";
const CAMERAS = ["/camera/front/image_raw", "/camera/side/image_raw", "/camera/wrist/image_raw"];

test(
  "the dashboard in a real browser shows three camera images and a reward curve that updates",
  {
    skip: existsSync(CHROMIUM)
      ? false
      : `${CHROMIUM} is not installed (scripts/install-system-deps.sh installs it)`,
    timeout: 60_000,
  },
  async () => {
    const transport = new LocalTransport(new LocalBus());
    const node = await startNode(dashboardNode, {
      argv: ["--ros-args", "-p", "port:=0", "-p", "max_camera_fps:=50"],
      transport,
      logger: createLogger("dashboard", () => {}),
    });
    const url = (node.running as unknown as { url: string }).url;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/, "bound to loopback by default");
    const cameras = CAMERAS.map((topic) => createPublisher(transport, topic, MsgType.Image, QOS_SENSOR_DATA));
    const rewards = createPublisher(transport, "/reward", MsgType.DenseReward);
    const episodes = createPublisher(transport, "/episode", MsgType.EpisodeEvent);
    let step = 0;
    const publishSome = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        step++;
        cameras.forEach((p, c) => p.publish(gradientImage(160, 120, step * 10 + c * 60, `cam${c}`)));
        rewards.publish(rewardMessage(step));
        await sleep(25);
      }
    };

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    });
    try {
      const page = await browser.newPage({ baseURL: url });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto("/");
      await page.waitForSelector("#camera-2");
      episodes.publish(episodeEvent(EpisodeEventKind.START, 1));
      await publishSome(10);
      await page.waitForFunction(() => Number(document.body.dataset.rewardPoints ?? 0) >= 10, undefined, {
        timeout: 20_000,
      });
      const first = Number(await page.evaluate(() => document.body.dataset.rewardPoints));
      await publishSome(10);
      episodes.publish(episodeEvent(EpisodeEventKind.SUCCESS, 1, step));
      episodes.publish(episodeEvent(EpisodeEventKind.TERMINAL, 1, step));
      await page.waitForFunction((n) => Number(document.body.dataset.rewardPoints) > n, first, {
        timeout: 20_000,
      });
      await page.waitForFunction(
        () =>
          [0, 1, 2].every(
            (i) => (document.getElementById(`camera-${i}`) as HTMLImageElement | null)?.naturalWidth,
          ),
        undefined,
        { timeout: 20_000 },
      );
      const widths = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLImageElement>("#cameras img")].map((img) => img.naturalWidth),
      );
      assert.equal(widths.length, 3);
      assert.ok(
        widths.every((w) => w === 160),
        `camera previews decoded: ${widths}`,
      );
      assert.match((await page.textContent("#stage-legend")) ?? "", /reach.*grasp.*lift/);
      assert.deepEqual(errors, []);
      // DASHBOARD_SCREENSHOT=file.png keeps the picture for a person to look at.
      const shot =
        process.env.DASHBOARD_SCREENSHOT ?? join(mkdtempSync(join(tmpdir(), "dashboard-")), "dashboard.png");
      await page.screenshot({ path: shot, fullPage: true });
    } finally {
      await browser.close();
      await node.stop();
    }
  },
);
