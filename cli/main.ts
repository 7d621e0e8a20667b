import { Command } from "commander";
import { nodes } from "../nodes/registry.js";
import { addBagCommand } from "./commands/bag.js";
import { addBenchCommand } from "./commands/bench.js";
import { addExperimentCommand } from "./commands/experiment.js";
import { addAdaptCommand } from "./commands/adapt.js";
import { addAdaptToLearnerCommand } from "./commands/adaptToLearner.js";
import { addEvalCommand } from "./commands/eval.js";
import { addImportCommand } from "./commands/import.js";
import { addMainCommand } from "./commands/main.js";
import { addReplayCommand } from "./commands/replay.js";
import { addTopicCommand } from "./commands/topic.js";
import { addSimCommand } from "./commands/sim.js";
import { addTrainCommand } from "./commands/train.js";
import { addNodeCommand } from "./nodeCommand.js";

const program = new Command("process-reward")
  .description("Stage-aware process rewards for online RL on ROS 2")
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

addMainCommand(program);
addBagCommand(program);
addTopicCommand(program);
addSimCommand(program);
addReplayCommand(program);
addExperimentCommand(program);
addTrainCommand(program);
addEvalCommand(program);
addAdaptCommand(program);
addAdaptToLearnerCommand(program);
addImportCommand(program);
addBenchCommand(program);
for (const definition of nodes) addNodeCommand(program, definition);

await program.parseAsync(process.argv);
