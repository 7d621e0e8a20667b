#!/usr/bin/env node
// Entry point for launch files: `node dist/nodes/relay/main.js --ros-args …`.
import { runNodeMain } from "../../lib/node/node.js";
import { relayNode } from "./relay.js";

process.exitCode = await runNodeMain(relayNode);
