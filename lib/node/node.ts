import { z } from "zod";
import { commonParameters, resolveParameters } from "../params/resolve.js";
import { parseRosArgs, type RosArgs } from "../params/rosArgs.js";
import { SimClock, SystemClock, type Clock } from "../time/clock.js";
import { createTransport } from "../transport/index.js";
import type { Transport } from "../transport/transport.js";
import { createLogger, type Logger } from "./log.js";

type WithCommon<S extends z.ZodObject> = z.infer<S> & z.infer<typeof commonParameters>;

export interface NodeContext<P> {
  readonly name: string;
  readonly params: P;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly log: Logger;
  /** A topic name after `-r from:=to` remapping. */
  topic(name: string): string;
}

export interface RunningNode {
  stop(): Promise<void> | void;
  /** Resolves when the node finishes on its own (e.g. a recording of N episodes); absent for servers. */
  readonly done?: Promise<void>;
}

/**
 * A node is a thin shell: a name, a parameter schema, and a start function that wires parameters and
 * topics to plain classes. The same definition runs alone, under ros2 launch, or beside others in-process.
 */
export interface NodeDefinition<S extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  readonly description: string;
  readonly parameters: S;
  start(context: NodeContext<WithCommon<S>>): Promise<RunningNode> | RunningNode;
}

export function defineNode<S extends z.ZodObject>(definition: NodeDefinition<S>): NodeDefinition<S> {
  return definition;
}

export interface StartOptions {
  /** Command-line arguments (with `--ros-args …`). */
  argv?: readonly string[];
  /** Parameters given in code, below params files and `-p` overrides. */
  params?: Record<string, unknown>;
  /** Share a transport (e.g. several nodes on one local bus); otherwise one is created from `transport`. */
  transport?: Transport;
  clock?: Clock;
  logger?: Logger;
}

export interface StartedNode<P> {
  readonly context: NodeContext<P>;
  readonly running: RunningNode;
  stop(): Promise<void>;
}

export async function startNode<S extends z.ZodObject>(
  definition: NodeDefinition<S>,
  options: StartOptions = {},
): Promise<StartedNode<WithCommon<S>>> {
  const args: RosArgs = parseRosArgs(options.argv ?? []);
  const name = args.nodeName ?? definition.name;
  const schema = z.object({ ...commonParameters.shape, ...definition.parameters.shape });
  const params = resolveParameters(name, schema, args, options.params) as WithCommon<S>;
  const log = options.logger ?? createLogger(name);
  const ownTransport = !options.transport;
  const transport = options.transport ?? (await createTransport(params.transport, { nodeName: name }));
  const ownClock = !options.clock;
  const clock = options.clock ?? (params.use_sim_time ? new SimClock(transport) : new SystemClock());
  const context: NodeContext<WithCommon<S>> = {
    name,
    params,
    transport,
    clock,
    log,
    topic: (topic) => args.remappings[topic] ?? topic,
  };
  let running: RunningNode;
  try {
    running = await definition.start(context);
  } catch (err) {
    if (ownClock) clock.close();
    if (ownTransport) await transport.close();
    throw err;
  }
  return {
    context,
    running,
    stop: async () => {
      await running.stop();
      if (ownClock) clock.close();
      if (ownTransport) await transport.close();
    },
  };
}

/**
 * Run one node as a process, `process-reward <node> --ros-args …` (what ros/'s per-node executables run):
 * stops cleanly on SIGINT/SIGTERM; exit code 0 on a clean stop, 1 when start fails, 2 for bad parameters.
 */
export async function runNodeMain<S extends z.ZodObject>(
  definition: NodeDefinition<S>,
  argv: readonly string[],
): Promise<number> {
  let started: StartedNode<WithCommon<S>>;
  try {
    started = await startNode(definition, { argv });
  } catch (err) {
    process.stderr.write(`[FATAL] [${definition.name}]: ${(err as Error).message}\n`);
    return (err as Error).name === "ParameterError" ? 2 : 1;
  }
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void started.stop().then(resolve, resolve);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    void started.running.done?.then(stop, (err: Error) => {
      started.context.log.error(err.message);
      stop();
    });
  });
  await stopped;
  return 0;
}
