#!/usr/bin/env bash
# Runs every sample (each folder of samples/ with a Program.cs) in its quick mode, --quick: the same steps as a full run on
# a few rows and one or two epochs, writing its outputs into artifacts/samples/quick. Each sample's data is fetched the way
# `./build.sh sample NAME` fetches it. Stops with a failure when any sample fails, after running the others, and prints
# each sample's time and the total.
#
# Usage: build/run-samples-quick.sh ["NAME [OPTIONS]" ...]
#   (default: every sample, then the option combinations listed below that a plain quick run leaves out)
# Expects the samples to be built already (./build.sh test builds the solution first); set SAMPLES_QUICK_BUILD=1 to let
# `dotnet run` build each one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Each run is a sample's name and, after it, any options beside --quick.
runs=("$@")
if [ ${#runs[@]} -eq 0 ]; then
  for folder in samples/*/; do
    if [ -f "${folder}Program.cs" ]; then runs+=("$(basename "$folder")"); fi
  done
  # Options that the plain quick run leaves at their defaults, so that their code runs too.
  runs+=("MnistOneClassAnomaly --network conv --contamination 0.1 --trim 0.2")
fi

# build.sh passes --no-build to dotnet run when SAMPLE_NO_BUILD is set.
no_build=1
if [ "${SAMPLES_QUICK_BUILD:-0}" = 1 ]; then no_build=""; fi

# Seconds since $1 (from date +%s%N), with one decimal.
elapsed() { local ms=$(( ($(date +%s%N) - $1) / 1000000 )); printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)); }

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
failed=()
total_start=$(date +%s%N)
for run in "${runs[@]}"; do
  read -r -a words <<<"$run"
  start=$(date +%s%N)
  status=0
  SAMPLE_NO_BUILD="$no_build" ./build.sh sample "${words[0]}" --quick "${words[@]:1}" >"$logs/output" 2>&1 || status=$?
  if [ "$status" -eq 0 ]; then
    printf '%6s s  ok      %s\n' "$(elapsed "$start")" "$run"
  else
    printf '%6s s  FAILED  %s (exit %d); the end of its output:\n' "$(elapsed "$start")" "$run" "$status"
    tail -40 "$logs/output" | sed 's/^/    /'
    failed+=("$run")
  fi
done
printf 'Samples (quick): %d runs, %d failed, %s s in all\n' "${#runs[@]}" "${#failed[@]}" "$(elapsed "$total_start")"
if [ ${#failed[@]} -gt 0 ]; then
  printf 'Failed: %s\n' "${failed[@]}" >&2
  exit 1
fi
