#!/usr/bin/env bash
# Score a recorded episode bag with a served GRM and with the shipped CNN, and compare (VOC of both).
#   scripts/grm-score-episode.sh <bag> http://gpu-host:8000/v1 [extra options of scripts/grm-score-episode.ts]
set -euo pipefail
bag="${1:?usage: $0 <bag> <grm endpoint, e.g. http://gpu-host:8000/v1> [options]}"
endpoint="${2:?usage: $0 <bag> <grm endpoint> [options]}"
shift 2
cd "$(dirname "$0")/.."
exec npx tsx scripts/grm-score-episode.ts "$bag" --endpoint "$endpoint" "$@"
