import type { Command } from "commander";
import type { z } from "zod";
import { runNodeMain, type NodeDefinition } from "../lib/node/node.js";

/**
 * `process-reward <node> [--ros-args …]`: everything after the node name goes to the node untouched, as
 * `ros2 run` does, so the same arguments work from a launch file.
 */
export function addNodeCommand<S extends z.ZodObject>(program: Command, definition: NodeDefinition<S>): void {
  program
    .command(definition.name)
    .description(`${definition.description} (a ROS 2-style node; parameters via --ros-args)`)
    .helpOption(false)
    .allowUnknownOption(true)
    .argument("[args...]", "--ros-args -p name:=value --params-file file.yaml")
    .action(async (args: string[]) => {
      if (args.includes("--help") || args.includes("-h")) {
        process.stdout.write(parameterHelp(definition));
        return;
      }
      process.exitCode = await runNodeMain(definition, args);
    });
}

function parameterHelp<S extends z.ZodObject>(definition: NodeDefinition<S>): string {
  const lines = Object.entries(definition.parameters.shape).map(([name, schema]) => {
    const description = (schema as z.ZodType).description ?? "";
    return `  ${name.padEnd(22)} ${description}`;
  });
  return (
    `Usage: process-reward ${definition.name} [--ros-args -p name:=value ... --params-file file.yaml]\n\n` +
    `${definition.description}\n\nParameters (also: transport local|dds|ros, use_sim_time):\n${lines.join("\n")}\n`
  );
}
