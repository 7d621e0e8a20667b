#!/usr/bin/env bash
# Installs the Debian packages the project needs (build, tests, training). Idempotent: installs only what is
# missing, so a second run costs a few dpkg queries.
set -euo pipefail

packages=(
  build-essential python3 pkg-config   # native addons (node-gyp)
  cyclonedds-dev cyclonedds-tools      # dds transport and its independent test peer (idlc, ddsperf)
  xvfb xauth libxi-dev libgl1-mesa-dev libglu1-mesa-dev libgl1-mesa-dri libxext-dev  # headless WebGL (gl) for the sim; xvfb-run needs xauth (only a Recommends of xvfb)
  python3-torch python3-onnx python3-numpy python3-pil # model training and export (PIL writes the goal PNGs)
  chromium                             # dashboard browser test
  sqlite3                              # inspecting bags by hand; tests use sql.js
  fonts-dejavu-core                    # text in the experiment plots (sharp/librsvg renders the SVG)
  ffmpeg                               # process-reward import: decodes camera videos (ffprobe counts frames)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
echo "system packages: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
