import { z } from "zod";
import { parametersFromFile } from "./paramsFile.js";
import type { RosArgs } from "./rosArgs.js";

/** An unknown or ill-typed parameter, named, so the user can fix the YAML or the `-p` flag. */
export class ParameterError extends Error {
  constructor(nodeName: string, issues: string[]) {
    super(`invalid parameters for node '${nodeName}':\n  - ${issues.join("\n  - ")}`);
    this.name = "ParameterError";
  }
}

/** Parameters every node has. */
export const commonParameters = z.object({
  transport: z.enum(["local", "dds", "ros"]).default("local"),
  use_sim_time: z.boolean().default(false),
});

/**
 * Merge parameter sources in ROS 2 order (defaults < params files in order < `-p` overrides) and validate
 * them against the node's schema. Unknown names are errors: a misspelt parameter silently ignored is how a
 * robot runs with the wrong gamma.
 */
export function resolveParameters<S extends z.ZodObject>(
  nodeName: string,
  schema: S,
  args: Pick<RosArgs, "overrides" | "paramsFiles" | "namespace">,
  given: Record<string, unknown> = {},
): z.infer<S> {
  const merged: Record<string, unknown> = { ...given };
  for (const file of args.paramsFiles)
    Object.assign(merged, parametersFromFile(file, nodeName, args.namespace));
  Object.assign(merged, args.overrides);
  const result = schema.strict().safeParse(merged);
  if (result.success) return result.data as z.infer<S>;
  const issues = result.error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") return `unknown parameter(s): ${issue.keys.join(", ")}`;
    const name = issue.path.join(".") || "(root)";
    return `${name}: ${issue.message} (got ${JSON.stringify(merged[String(issue.path[0])]) ?? "nothing"})`;
  });
  throw new ParameterError(nodeName, issues);
}
