import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/** The package's root folder, whether running from source (tsx) or from `dist/` (node). */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "msgs"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the process-reward package root (package.json + msgs/)");
    dir = parent;
  }
  root = dir;
  return root;
}

/** A path inside the package (e.g. `packagePath("models", "tabletop")`). */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
