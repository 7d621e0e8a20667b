import type { NodeDefinition } from "../lib/node/node.js";
import { relayNode } from "./relay/relay.js";
import { simulatorNode } from "./sim/simulator.js";

// Each node has its own parameter schema; the registry only needs name, description and start.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyNodeDefinition = NodeDefinition<any>;

/** Every node the CLI and launch files can start, by name. */
export const nodes: readonly AnyNodeDefinition[] = [relayNode, simulatorNode];
