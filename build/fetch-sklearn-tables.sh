#!/usr/bin/env bash
# Exports scikit-learn's bundled tables (digits, wine, breast cancer) as CSV for the TabularFeatures sample
# (build/export-sklearn-tables.py says what is written). The tables are files of Debian's python3-sklearn: nothing is
# downloaded but the package. When it is missing it is installed with apt-get if this runs as root; otherwise the
# script says what to install and stops.
#
# Usage: build/fetch-sklearn-tables.sh [TARGET_DIR]   (default <repo>/artifacts/data/sklearn-tables; does nothing when
# the three files are there)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${1:-$repo/artifacts/data/sklearn-tables}"
if [[ -f "$target/digits.csv" && -f "$target/wine.csv" && -f "$target/breast_cancer.csv" ]]; then
  echo "scikit-learn tables already in $(cd "$target" && pwd)"
  exit 0
fi

source "$repo/build/debian-python.sh"
require_debian_python python3-sklearn "sklearn.datasets" "the tables come with"

"$python" "$repo/build/export-sklearn-tables.py" "$target"
