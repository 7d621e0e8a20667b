#!/usr/bin/env node
// Entry point for launch files: `node dist/nodes/dashboard/main.js --ros-args …`.
import { runNodeMain } from "../../lib/node/node.js";
import { dashboardNode } from "./dashboard.js";

process.exitCode = await runNodeMain(dashboardNode);
