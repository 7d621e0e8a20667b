import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { sha256Hex } from "../lib/reward/manifest.js";

/**
 * Recomputes `files` (sha256 of every file but manifest.json) after the folder changed (model card,
 * metrics), so the reward node's hash check keeps pinning exactly what is shipped.
 */
export async function sealModel(
  dir: string,
  update: (manifest: Record<string, unknown>) => void = () => {},
): Promise<void> {
  const path = join(dir, "manifest.json");
  const manifest = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  update(manifest);
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && !(e.parentPath === dir && e.name === "manifest.json"))
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
  const hashes: Record<string, string> = {};
  for (const f of files) hashes[f] = sha256Hex(await readFile(join(dir, f)));
  manifest.files = hashes;
  await writeFile(path, JSON.stringify(manifest, null, 2) + "\n");
}
