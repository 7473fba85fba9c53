#!/usr/bin/env bash
# Microsoft.ML.Autoencoders build driver.
#   ./build.sh                    restore and build everything (Release)
#   ./build.sh test               build and run every test project; prints "Tests: N passed, M failed"; compiles the docs' C# blocks;
#                                 runs every sample with --quick (build/run-samples-quick.sh), then the package test (test-packages)
#   ./build.sh sample [NAME] [--args]  run a sample (default: MnistDeepAutoencoder, the main job); fetches its data if needed
#   ./build.sh bench [--quick|--dry] [--rounds N]  side-by-side benchmark against TorchSharp-cpu and PyTorch (docs/benchmarks.md)
#   ./build.sh pack               NuGet packages into artifacts/packages
#   ./build.sh test-packages      pack, then restore the packages into a fresh console app and run the README's code
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
configuration="${CONFIGURATION:-Release}"
solution=Microsoft.ML.Autoencoders.sln

require_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "The .NET SDK 10 is needed: install it (e.g. Debian/Ubuntu package dotnet-sdk-10.0) and run again." >&2
    exit 1
  fi
}

verb="${1:-build}"
[ $# -gt 0 ] && shift
case "$verb" in
  build)
    require_dotnet
    dotnet build "$solution" -c "$configuration" "$@"
    ;;
  test)
    require_dotnet
    bash build/fetch-mnist.sh   # some tests read the real MNIST files
    dotnet build "$solution" -c "$configuration"
    log="$(mktemp)"
    status=0
    dotnet test "$solution" -c "$configuration" --no-build "$@" 2>&1 | tee "$log" || status=$?
    # One closing line over every test project, in the plain form CI reads.
    awk '/(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) } }
         END { printf "Tests: %d passed, %d failed\n", p, f }' "$log"
    rm -f "$log"
    # The README's and docs' C# blocks must compile as written.
    python3 build/check-doc-snippets.py || status=1
    # Every sample must still run: each once in its quick mode (seconds each).
    bash build/run-samples-quick.sh || status=1
    # The packed packages, restored into a fresh console app that runs the README's code (about two minutes with the
    # pack). It needs the package feed, as the build's own restore does.
    { "$0" pack >/dev/null && bash build/test-packages.sh; } || status=1
    exit "$status"
    ;;
  sample)
    require_dotnet
    name="MnistDeepAutoencoder"
    if [ $# -gt 0 ] && [[ "$1" != -* ]]; then name="$1"; shift; fi
    # A sample is a folder of samples/ with a Program.cs; Shared and the SampleData library are not runnable.
    if [ ! -f "samples/$name/Program.cs" ]; then
      samples=""
      for folder in samples/*/; do
        if [ -f "${folder}Program.cs" ]; then samples+="$(basename "$folder") "; fi
      done
      echo "No sample '$name'. Samples: $samples" >&2
      exit 1
    fi
    case "$name" in
      # The colour samples read patches cut from photos that Debian packages ship, not MNIST.
      ImageColouring|WatermarkRemoval) bash build/fetch-colour-patches.sh ;;
      # scikit-learn's bundled tables, exported from Debian's python3-sklearn.
      TabularFeatures|TabularAnomaly) bash build/fetch-sklearn-tables.sh ;;
      # The series sample reads data sets of Debian's python3-statsmodels, with anomalies injected by build/export-series.py.
      SeriesAnomaly) bash build/fetch-series.sh ;;
      *) bash build/fetch-mnist.sh ;;
    esac
    # SAMPLE_NO_BUILD=1 runs what is already built (build/run-samples-quick.sh, after the build of ./build.sh test).
    dotnet run --project "samples/$name" -c "$configuration" ${SAMPLE_NO_BUILD:+--no-build} -- "$@"
    ;;
  bench)
    require_dotnet
    bash build/fetch-mnist.sh
    bash build/bench.sh "$@"
    ;;
  pack)
    require_dotnet
    # Every project under src/ (a project with IsPackable false packs nothing); metadata in src/Directory.Build.props.
    for project in src/*/*.csproj; do
      dotnet pack "$project" -c "$configuration" -o artifacts/packages
    done
    ;;
  test-packages)
    # Also the last step of `test`. It needs the package feed (or NuGet's 30-minute HTTP cache): restoring
    # Microsoft.ML.OnnxTransformer looks up the OnnxRuntime.Managed version it names.
    "$0" pack
    bash build/test-packages.sh "$@"
    ;;
  *)
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    exit 1
    ;;
esac
