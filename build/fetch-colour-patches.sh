#!/usr/bin/env bash
# Makes the 32×32 colour patches the ImageColouring and WatermarkRemoval samples read, from sample photos that Debian's
# python3-skimage and its dependency python3-scipy ship (build/cut-colour-patches.py says which photos, how many
# patches, the grid and the seed).
#
# Usage: build/fetch-colour-patches.sh [TARGET_DIR]
#   With no argument: does nothing when <repo>/artifacts/data/colour-patches already holds train.npy and test.npy;
#   otherwise cuts them there. With TARGET_DIR: makes sure that folder holds them.
#
# Nothing is downloaded but the Debian package: the photos are files of python3-skimage and python3-scipy, and the
# script checks each one's SHA-256 before cutting, so the patches are the same on every machine with those packages
# (Debian 12: 0.19.3 and 1.10.1).
# When the package is missing it is installed with apt-get if this runs as root; otherwise the script says what to
# install and stops.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ $# -gt 1 ]]; then
  echo "usage: $0 [TARGET_DIR]" >&2
  exit 2
fi
target="${1:-$repo/artifacts/data/colour-patches}"

if [[ -f "$target/train.npy" && -f "$target/test.npy" ]]; then
  echo "Colour patches already in $(cd "$target" && pwd)"
  exit 0
fi

source "$repo/build/debian-python.sh"
require_debian_python python3-skimage "numpy, scipy, skimage.io" "the colour patches are cut from photos of"

"$python" "$repo/build/cut-colour-patches.py" "$target"
echo "Colour patches are in $(cd "$target" && pwd)"
