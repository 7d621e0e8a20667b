#!/usr/bin/env node
import { Command } from "commander";
import { nodes } from "../nodes/registry.js";
import { addBagCommand } from "./commands/bag.js";
import { addBenchCommand } from "./commands/bench.js";
import { addExperimentCommand } from "./commands/experiment.js";
import { addMainCommand } from "./commands/main.js";
import { addTopicCommand } from "./commands/topic.js";
import { addSimCommand } from "./commands/sim.js";
import { addNodeCommand } from "./nodeCommand.js";

const program = new Command("process-reward")
  .description("Stage-aware process rewards for online RL on ROS 2")
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

addMainCommand(program);
addBagCommand(program);
addTopicCommand(program);
addSimCommand(program);
addExperimentCommand(program);
addBenchCommand(program);
for (const definition of nodes) addNodeCommand(program, definition);

await program.parseAsync(process.argv);
