#!/bin/bash
# Plan speed side by side with the authors' C++ scheduler (casys-kaist/glet standalone_scheduler):
# builds it if asked, then runs `npm run bench -- planner` against it (experiments/bench/planner.ts).
#
# Usage: experiments/bench/vs-cpp.sh GLET_SRC
#   GLET_SRC: a source tree made by the artifact sample's build.sh (build-quiet/standalone_scheduler
#   and resource/SchedConfigs4). When it holds no build and GLET_MIRROR (a git directory of
#   casys-kaist/glet) and GLET_BUILD_SH (that build.sh, beside its glet-anchor.patch) are set, it is
#   built first from test/fixtures/glet-artifact/latency-table.csv (Debian: the script installs
#   boost and glog headers if they are missing). With no build and no way to make one, it says so and
#   exits 0; the bench then compares with its reference C++ figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC=${1:-${GLET_SRC:-}}
if [[ -z "$SRC" ]]; then
  echo "vs-cpp: skipped: give GLET_SRC (a glet source tree built by the artifact sample's build.sh)" >&2
  exit 0
fi
if [[ ! -x "$SRC/build-quiet/standalone_scheduler" ]]; then
  if [[ -n "${GLET_MIRROR:-}" && -n "${GLET_BUILD_SH:-}" ]]; then
    A=$(dirname "$SRC")
    mkdir -p "$A"
    cp "$GLET_BUILD_SH" "$(dirname "$GLET_BUILD_SH")/glet-anchor.patch" "$A/"
    # The artifact's latency.csv: model,partition,batch,latency_ms, with lenet as lenet1.
    awk -F, 'NR > 1 { m = $1; if (m == "lenet") m = "lenet1"; print m "," $3 "," $4 "," $5 }' \
      test/fixtures/glet-artifact/latency-table.csv > "$A/latency.csv"
    [[ "$(basename "$SRC")" == src ]] || { echo "vs-cpp: GLET_SRC must end in /src when building" >&2; exit 1; }
    GLET_ANCHOR_DIR="$A" bash "$A/$(basename "$GLET_BUILD_SH")" "$GLET_MIRROR"
  else
    echo "vs-cpp: skipped: no C++ build at $SRC/build-quiet/standalone_scheduler (set GLET_MIRROR and GLET_BUILD_SH to build one)" >&2
    exit 0
  fi
fi
GLET_SRC="$SRC" npm run --silent bench -- planner
