import { Option, type Command } from "commander";
import { codecFor, type MessageCodec } from "../../lib/codec/codec.js";
import {
  createTransport,
  TRANSPORT_KINDS,
  type Transport,
  type TransportKind,
} from "../../lib/transport/index.js";
import { qos } from "../../lib/transport/qos.js";
import { formatMessage, formatRate, RateMeter } from "./topicFormat.js";

// Best effort + volatile is the most permissive request: it matches reliable and best-effort writers alike
// (as `ros2 topic echo` adapts to its publishers), so cameras on the sensor-data profile are seen too.
const LISTEN_QOS = qos({ reliability: "best_effort", depth: 10, durability: "volatile" });

interface CommonOptions {
  transport: TransportKind;
  wait: string;
}

function transportOption(): Option {
  return new Option("--transport <kind>", "where to look").choices(TRANSPORT_KINDS).default("dds");
}

function positiveNumber(text: string, what: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${what} must be a positive number, got '${text}'`);
  return value;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function open(kind: TransportKind): Promise<Transport> {
  return createTransport(kind, { nodeName: "process_reward_topic" });
}

/** The topic's type from `--type`, else from discovery, waiting up to `waitMs` for a publisher to show up. */
async function topicType(transport: Transport, topic: string, given: string | undefined, waitMs: number) {
  if (given) return given;
  const name = topic.startsWith("/") ? topic : `/${topic}`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    const found = (await transport.topics()).find((t) => t.topic === name);
    if (found && found.types.length === 1) return found.types[0]!;
    if (found && found.types.length > 1) {
      throw new Error(`${name} carries several types (${found.types.join(", ")}); choose one with --type`);
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `${name} was not found on the ${transport.kind} graph within ${waitMs} ms; ` +
          "check the name (`process-reward topic list`) or pass --type pkg/msg/Type to wait for it",
      );
    }
    await sleep(100);
  }
}

/** Runs `body` with a transport, closing it on completion, error or Ctrl-C. */
async function withTransport(
  kind: TransportKind,
  body: (t: Transport, done: Promise<void>) => Promise<void>,
) {
  const transport = await open(kind);
  let interrupt!: () => void;
  const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  try {
    await body(transport, interrupted);
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
    await transport.close();
  }
}

function codecOrUndefined(type: string): MessageCodec<unknown> | undefined {
  try {
    return codecFor(type);
  } catch {
    return undefined;
  }
}

async function list(options: CommonOptions): Promise<void> {
  const waitMs = positiveNumber(options.wait, "--wait");
  await withTransport(options.transport, async (transport) => {
    // Discovery needs a moment: participants announce themselves periodically.
    if (transport.kind !== "local") await sleep(waitMs);
    const topics = await transport.topics();
    const width = Math.max(0, ...topics.map((t) => t.topic.length));
    for (const t of topics) process.stdout.write(`${t.topic.padEnd(width)}  [${t.types.join(", ")}]\n`);
  });
}

async function echo(
  topic: string,
  options: CommonOptions & { count?: string; type?: string },
): Promise<void> {
  const count = options.count === undefined ? Infinity : positiveNumber(options.count, "--count");
  await withTransport(options.transport, async (transport, interrupted) => {
    const type = await topicType(transport, topic, options.type, positiveNumber(options.wait, "--wait"));
    const codec = codecOrUndefined(type);
    let seen = 0;
    await new Promise<void>((resolve) => {
      const sub = transport.subscribe(topic, type, LISTEN_QOS).subscribe((data) => {
        let text: string;
        try {
          text = codec
            ? formatMessage(type, codec.decode(data))
            : `<${data.byteLength} bytes of CDR; no definition of ${type}>`;
        } catch (err) {
          text = `[WARN] ${(err as Error).message}`;
        }
        process.stdout.write(`${text}\n---\n`);
        if (++seen >= count) {
          sub.unsubscribe();
          resolve();
        }
      });
      void interrupted.then(() => {
        sub.unsubscribe();
        resolve();
      });
    });
  });
}

async function hz(
  topic: string,
  options: CommonOptions & { type?: string; window: string; duration?: string },
) {
  const window = positiveNumber(options.window, "--window");
  const durationMs =
    options.duration === undefined ? Infinity : positiveNumber(options.duration, "--duration") * 1000;
  await withTransport(options.transport, async (transport, interrupted) => {
    const type = await topicType(transport, topic, options.type, positiveNumber(options.wait, "--wait"));
    const meter = new RateMeter(window);
    const sub = transport
      .subscribe(topic, type, LISTEN_QOS)
      .subscribe(() => meter.add(performance.now() / 1000));
    const report = setInterval(() => {
      const stats = meter.stats();
      process.stdout.write(stats ? `${formatRate(stats)}\n` : `no new messages on ${topic}\n`);
    }, 1000);
    await Promise.race([interrupted, sleep(durationMs)]);
    clearInterval(report);
    sub.unsubscribe();
  });
}

/** Reports a failure as one line (the message says what was wrong) instead of a stack trace. */
function reporting<A extends unknown[]>(
  action: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await action(...args);
    } catch (err) {
      process.stderr.write(`process-reward topic: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  };
}

/** `process-reward topic list|echo|hz`: the ROS 2 graph without the ROS 2 command-line tools. */
export function addTopicCommand(program: Command): void {
  const topic = program.command("topic").description("Inspect topics on the ROS 2 graph (dds by default)");
  const waitOption = (ms: string) => new Option("--wait <ms>", "how long to wait for discovery").default(ms);

  topic
    .command("list")
    .description("Topics and their types discovered on the domain (ROS_DOMAIN_ID)")
    .addOption(transportOption())
    .addOption(waitOption("1500"))
    .action(reporting(list));

  topic
    .command("echo")
    .description("Print decoded messages (large arrays by length, images as width × height × encoding)")
    .argument("<topic>")
    .option("--count <n>", "exit after n messages")
    .option("--type <type>", "message type, when the topic is not yet published")
    .addOption(transportOption())
    .addOption(waitOption("5000"))
    .action(reporting(echo));

  topic
    .command("hz")
    .description("Print the topic's message rate every second")
    .argument("<topic>")
    .option("--type <type>", "message type, when the topic is not yet published")
    .option("--window <n>", "intervals the statistics cover", "10000")
    .option("--duration <s>", "stop after this many seconds")
    .addOption(transportOption())
    .addOption(waitOption("5000"))
    .action(reporting(hz));
}
