#!/usr/bin/env bash
# Runs a representative set of the README's command lines as a user types them, in this checkout after its
# set-up (`make test` or `make setup`). CI runs it after `make test` (.ci/run), so a README line that stops
# working fails CI. Outputs go to a temporary folder rather than the README's /tmp/sim, so runs do not
# collide; the shared bags (../shared/bags beside the checkout) are used when they are there.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
set -x

npx process-reward --help
npx process-reward replay --help
npx process-reward topic list
if [ -d ../shared/bags ]; then
  npx process-reward bag info ../shared/bags/ros2bag_tools_images.bag
fi
xvfb-run -a -s "-screen 0 640x480x24" npx process-reward sim --episodes 1 --record "$tmp/sim/sim.mcap"
npx process-reward replay "$tmp/sim" --out "$tmp/sim_rewards"
