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

# Debian's own interpreter: python3-statsmodels installs into its dist-packages, which a python3 earlier on PATH
# (pyenv, a virtual environment) does not see.
python=/usr/bin/python3
[[ -x "$python" ]] || python="$(command -v python3 || true)"

has_statsmodels() { [[ -n "$python" ]] && "$python" -c 'import numpy, pandas, statsmodels.datasets' >/dev/null 2>&1; }

if ! has_statsmodels; then
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "Installing python3-statsmodels (the data sets and their reader) with apt-get ..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-statsmodels >/dev/null ||
      { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-statsmodels >/dev/null; }
    python=/usr/bin/python3
  fi
  if ! has_statsmodels; then
    echo "error: the series come from data sets of the Debian package python3-statsmodels, which is missing." >&2
    echo "       Install it (as root: apt-get install python3-statsmodels) and run $0 again." >&2
    exit 1
  fi
fi

"$python" "$repo/build/export-series.py" "$target"
echo "Series are in $(cd "$target" && pwd)"
