#!/usr/bin/env bash
# Microsoft.ML.Autoencoders build driver.
#   ./build.sh                    restore and build everything (Release)
#   ./build.sh test               build and run every test project; prints "Tests: N passed, M failed"; compiles the docs' C# blocks
#   ./build.sh sample [NAME] [--args]  run a sample (default: MnistDeepAutoencoder, the main job); fetches its data if needed
#   ./build.sh bench [--quick|--dry] [--rounds N]  side-by-side benchmark against TorchSharp-cpu and PyTorch (docs/benchmarks.md)
#   ./build.sh pack               NuGet packages into artifacts/packages
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
      TabularFeatures) bash build/fetch-sklearn-tables.sh ;;
      # The series sample reads data sets of Debian's python3-statsmodels, with anomalies injected by build/export-series.py.
      SeriesAnomaly) bash build/fetch-series.sh ;;
      *) bash build/fetch-mnist.sh ;;
    esac
    dotnet run --project "samples/$name" -c "$configuration" -- "$@"
    ;;
  bench)
    require_dotnet
    bash build/fetch-mnist.sh
    bash build/bench.sh "$@"
    ;;
  pack)
    require_dotnet
    dotnet pack src/Microsoft.ML.Autoencoders/Microsoft.ML.Autoencoders.csproj -c "$configuration" -o artifacts/packages
    dotnet pack src/Microsoft.ML.Autoencoders.Engine/Microsoft.ML.Autoencoders.Engine.csproj -c "$configuration" -o artifacts/packages
    ;;
  *)
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    exit 1
    ;;
esac
