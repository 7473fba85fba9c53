# Sourced by the fetch scripts whose sample data comes from files of a Debian Python package (python3-skimage,
# python3-sklearn, python3-statsmodels): finds Debian's own interpreter and makes sure the package is there.
#
# require_debian_python PACKAGE IMPORTS WHY
#   PACKAGE  the Debian package, e.g. python3-statsmodels
#   IMPORTS  the Python modules that must import, e.g. "numpy, pandas, statsmodels.datasets"
#   WHY      what the data is, for the messages: "the series come from data sets of"
# Sets `python` to the interpreter that imports them. When they do not import, installs PACKAGE with apt-get if this
# runs as root; otherwise says what to install and exits 1.

require_debian_python() {
  local package="$1" imports="$2" why="$3"
  # Debian's own interpreter: the package installs into its dist-packages, which a python3 earlier on PATH (pyenv, a
  # virtual environment) does not see.
  python=/usr/bin/python3
  [[ -x "$python" ]] || python="$(command -v python3 || true)"
  if debian_python_imports "$imports"; then return 0; fi
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "Installing $package with apt-get ..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$package" >/dev/null ||
      { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$package" >/dev/null; }
    python=/usr/bin/python3
    if debian_python_imports "$imports"; then return 0; fi
  fi
  echo "error: $why the Debian package $package, which is missing." >&2
  echo "       Install it (as root: apt-get install $package) and run $0 again." >&2
  exit 1
}

debian_python_imports() { [[ -n "$python" ]] && "$python" -c "import $1" >/dev/null 2>&1; }
