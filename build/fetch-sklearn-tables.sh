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

# Debian's own interpreter: python3-sklearn installs into its dist-packages, which a python3 earlier on PATH does not see.
python=/usr/bin/python3
[[ -x "$python" ]] || python="$(command -v python3 || true)"
has_sklearn() { [[ -n "$python" ]] && "$python" -c 'import sklearn.datasets' >/dev/null 2>&1; }

if ! has_sklearn; then
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "Installing python3-sklearn (its bundled tables) with apt-get ..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-sklearn >/dev/null ||
      { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-sklearn >/dev/null; }
    python=/usr/bin/python3
  fi
  if ! has_sklearn; then
    echo "error: the tables come with the Debian package python3-sklearn, which is missing." >&2
    echo "       Install it (as root: apt-get install python3-sklearn) and run $0 again." >&2
    exit 1
  fi
fi
"$python" "$repo/build/export-sklearn-tables.py" "$target"
