#!/usr/bin/env bash
# Makes the time series the SeriesAnomaly sample reads, from data sets that Debian's python3-statsmodels ships
# (build/export-series.py says which series, how they are split, and exactly which anomalies it injects, with which seed).
#
# Usage: build/fetch-series.sh [TARGET_DIR]
#   With no argument: does nothing when <repo>/artifacts/data/series already holds elnino.csv and macro.csv;
#   otherwise writes them there. With TARGET_DIR: makes sure that folder holds them.
#
# Nothing is downloaded but the Debian package: the data sets are CSV files inside python3-statsmodels, and the
# exporter checks each one's SHA-256 first, so the series are the same on every machine with that package
# (Debian 12: 0.13.5). When the package is missing it is installed with apt-get if this runs as root; otherwise the
# script says what to install and stops.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ $# -gt 1 ]]; then
  echo "usage: $0 [TARGET_DIR]" >&2
  exit 2
fi
target="${1:-$repo/artifacts/data/series}"

if [[ -f "$target/elnino.csv" && -f "$target/macro.csv" ]]; then
  echo "Series already in $(cd "$target" && pwd)"
  exit 0
fi

source "$repo/build/debian-python.sh"
require_debian_python python3-statsmodels "numpy, pandas, statsmodels.datasets" "the series come from data sets of"

"$python" "$repo/build/export-series.py" "$target"
echo "Series are in $(cd "$target" && pwd)"
