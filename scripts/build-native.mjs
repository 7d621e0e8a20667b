// npm `install` step: builds the Cyclone DDS addon (native/dds) when libddsc is installed, and otherwise
// says how to get it and succeeds, so the package installs on machines that only use the local or ros
// transport. Choosing transport:=dds without the addon then fails with the same advice.
// Usage: node scripts/build-native.mjs [--force]  (--force fails instead of skipping when libddsc is absent)
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const force = process.argv.includes("--force");

function note(message) {
  process.stderr.write(`process-reward: ${message}\n`);
}

const pkgConfig = spawnSync("pkg-config", ["--exists", "CycloneDDS"]);
if (pkgConfig.error || pkgConfig.status !== 0) {
  const why = pkgConfig.error
    ? "pkg-config is not installed"
    : "Cyclone DDS is not installed (pkg-config finds no CycloneDDS)";
  note(
    `${why}; the dds transport is not built. Install the Debian packages \`cyclonedds-dev pkg-config\` ` +
      "and run `node scripts/build-native.mjs` to enable it.",
  );
  process.exit(force ? 1 : 0);
}

// node-gyp from the project's dev dependencies, else the copy that ships with npm.
let nodeGyp;
try {
  nodeGyp = createRequire(join(root, "package.json")).resolve("node-gyp/bin/node-gyp.js");
} catch {
  nodeGyp = process.env.npm_config_node_gyp;
}
if (!nodeGyp || !existsSync(nodeGyp)) {
  note("node-gyp is not available (neither in node_modules nor from npm); cannot build native/dds");
  process.exit(1);
}

// Build against the headers installed with this Node (e.g. /usr/include/node) when present, so no
// download from nodejs.org is needed.
const prefix = dirname(dirname(process.execPath));
const nodedir = existsSync(join(prefix, "include", "node", "node_api.h")) ? [`--nodedir=${prefix}`] : [];
const result = spawnSync(process.execPath, [nodeGyp, "rebuild", ...nodedir], {
  cwd: join(root, "native", "dds"),
  stdio: ["ignore", "inherit", "inherit"],
});
if (result.status !== 0) {
  note("building the Cyclone DDS addon (native/dds) failed; see the compiler output above");
  process.exit(result.status ?? 1);
}
note("built the Cyclone DDS addon (native/dds)");
