#!/usr/bin/env node
// The `process-reward` command (package.json "bin", what `npx process-reward` runs in this checkout): it runs
// the TypeScript sources through tsx, so that it needs no build step and never lags behind an edit or a pull.
// The ROS 2 executables run the build in dist/ instead (ros/node_wrapper.in).
import "tsx";

await import("../cli/main.ts");
