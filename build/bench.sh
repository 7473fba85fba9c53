#!/usr/bin/env bash
# The side-by-side benchmark behind `./build.sh bench`: our engine, TorchSharp-cpu and PyTorch on the same cases,
# the same machine, the same threads, in one invocation. Writes artifacts/bench/summary.json and, for a full run,
# docs/benchmarks.md (quick and dry runs write artifacts/bench/benchmarks.md instead, so the published table
# only ever holds full figures).
#
# Usage: build/bench.sh [--quick | --dry] [--rounds N] [--threads N]
#   --quick   fewer rows and epochs (CI, a first look); --dry runs every case once on tiny data.
#   --rounds  how many interleaved rounds (default 5 for a full run, 1 for --quick and --dry).
# Environment: ARTIFACTS (default <repo>/artifacts), MNIST_DIR (default: shared/data/mnist above the repo),
#   BENCH_SKIP_TORCHSHARP=1 / BENCH_SKIP_PYTORCH=1 to leave a peer out,
#   BENCH_PYTORCH_NATIVE_CORETYPE=Prescott to play a CPU on which OpenBLAS picks that core itself (Debian's 0.3.21 on Intel
#   family 6 model 207), so the core-type override and its MSE check can be exercised on any machine.
#
# Every framework trains in its own process (peak memory is per process) and runs its kernels in another.
# Everything is built first; then each round runs the kernels of ours, TorchSharp and PyTorch in turn, then their
# training, so a burst of other work on this shared host hits one round of one framework, not all its figures. The merge
# keeps each framework's best round for speed and its worst for MSE and memory (RoundSelection.cs).
# Peers that cannot run, in any round, are reported as not measured, with the reason; only our side failing
# fails the script.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# The summary records the flags exactly as given, so the command it shows reruns the same benchmark.
command="./build.sh bench"
for arg in "$@"; do command+=" $(printf '%q' "$arg")"; done
usage_error() { echo "bench.sh: $1 (use --quick, --dry, --rounds N, --threads N)" >&2; exit 2; }
mode_flag="" threads=2 rounds=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick|--dry) mode_flag="$1" ;;
    --threads|--rounds)
      [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || usage_error "$1 needs a whole number of at least 1"
      if [ "$1" = --threads ]; then threads=$2; else rounds=$2; fi
      shift ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
  shift
done
mode=${mode_flag#--}; mode=${mode:-full}
# Slow phases of this shared host last tens of seconds and come often (2026-11-24: a framework's epochs ran
# ~1.5-1.75x slower for a while, then recovered; the same day a throwaway probe saw one core run a 42 us product's
# half at 68 us against the other's 52 for seconds at a time); five rounds give every framework a fair chance of a
# quiet one.
# Quick and dry runs are for a first look.
[ -n "$rounds" ] || { [ "$mode" = full ] && rounds=5 || rounds=1; }

artifacts=${ARTIFACTS:-$repo/artifacts}
out=$artifacts/bench
rm -rf "$out/reports"; mkdir -p "$out/reports"

# One thread count for everyone: OpenMP (libtorch, OpenBLAS' OpenMP build), MKL, OpenBLAS' pthread build.
export OMP_NUM_THREADS=$threads MKL_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

merge_args=()

# Runs one part ("$1" = report file, then the command) and, when the report says other processes kept more than
# a quarter of a core busy meanwhile (see MachineLoad), waits and runs it once more, keeping the quieter report:
# on a shared two-core machine other work can halve a figure.
run_part() {
  local report=$1; shift
  "$@" --json "$report" || return 1
  local load; load=$(other_load "$report")
  # Dry runs measure nothing worth a second try.
  if [ "$mode" != dry ] && awk "BEGIN { exit !($load > 0.25) }"; then
    echo "== other processes kept $load cores busy: waiting 30 s and measuring again"
    sleep 30
    "$@" --json "$report.retry" || return 1
    if awk "BEGIN { exit !($(other_load "$report.retry") < $load) }"; then mv "$report.retry" "$report"; else rm -f "$report.retry"; fi
  fi
}
other_load() { grep -o '"other_load_[a-z]*": *"[0-9.]*"' "$1" | grep -o '[0-9.]*"$' | tr -d '"' || echo 0; }
note() { merge_args+=(--note "$1"); echo "note: $1"; }
# The BLAS library, version and kernels a peer runs ("$1" = torchsharp or pytorch), for summary.json's peer_blas_*.
peer_blas() { merge_args+=(--peer-blas "$1=$2"); echo "$1 BLAS: $2"; }
unavailable() { merge_args+=(--unavailable "$1=$2"); echo "$1 not measured: $2" >&2; }

# ---- build everything before measuring anything -------------------------------------------------------------
# Each framework's command, without --part/--round/--json; a peer's stays empty when it cannot run.
torchsharp_command=() pytorch_command=()

echo "== building our benchmark"
dotnet build "$repo/test/Microsoft.ML.Autoencoders.Benchmarks/Microsoft.ML.Autoencoders.Benchmarks.csproj" \
  -c Release -p:ArtifactsPath="$artifacts" --nologo -v quiet -clp:ErrorsOnly
ours="$artifacts/bin/Microsoft.ML.Autoencoders.Benchmarks/release/Microsoft.ML.Autoencoders.Benchmarks"
ours_command=("$ours" run)

# TorchSharp-cpu. Its project is outside the solution: this is the only place that restores libtorch (hundreds of MB).
prepare_torchsharp() {
  local project=$repo/test/Microsoft.ML.Autoencoders.Benchmarks.Peers.TorchSharp
  echo "== building the TorchSharp-cpu peer (restores libtorch on first use)"
  dotnet build "$project/Microsoft.ML.Autoencoders.Benchmarks.Peers.TorchSharp.csproj" \
    -c Release -p:ArtifactsPath="$artifacts" --nologo -v quiet -clp:ErrorsOnly || { unavailable torchsharp "build or restore failed"; return; }
  local bin=$artifacts/bin/Microsoft.ML.Autoencoders.Benchmarks.Peers.TorchSharp/release_linux-x64
  # Debian 12's libstdc++ lacks GLIBCXX_3.4.32, which libLibTorchSharp.so asks for (see PEERS-NOTES.md):
  # patch the built copy and preload a shim. Benchmark runs only; never shipped.
  local preload="" shim=${TORCHSHARP_SHIM:-$repo/../shared/tools/torchsharp-debian12/prepare.sh}
  if [ -x "$shim" ]; then
    preload=$("$shim" "$bin" | tail -n 1) || { unavailable torchsharp "the loader shim failed"; return; }
  fi
  # Without it libtorch's memory grows ~0.9 GB per epoch through glibc's heap (PEERS-NOTES.md).
  local mmap_threshold=131072
  note "TorchSharp ran with MALLOC_MMAP_THRESHOLD_=$mmap_threshold${preload:+ and the Debian 12 GLIBCXX_3.4.32 loader shim}"
  torchsharp_command=(env LD_PRELOAD="$preload" MALLOC_MMAP_THRESHOLD_=$mmap_threshold
    "$bin/Microsoft.ML.Autoencoders.Benchmarks.Peers.TorchSharp")
  # On an EPYC Zen 5 guest (family 26 model 2) the oneDNN inside this libtorch (3.7.1) returns wrong input gradients, NaN
  # among them, from its JIT convolution backward-data kernels whenever the output channels do not fill a 16- (AVX-512)
  # or 8-wide (AVX2) channel block: the conv case's sigmoid output turns NaN in the first epoch and BCELoss throws. Forward
  # and weight gradients stay right (ConvBackwardCheck.cs). Where the check finds that, oneDNN's documented ISA cap
  # ONEDNN_MAX_CPU_ISA=AVX makes it take its GEMM-based backward data, which is right; it also holds oneDNN's other
  # kernels (forward convolution, LSTM) to AVX, which the note says. MKL, behind the dense cases and the products, ignores it.
  local check_status=0
  "${torchsharp_command[@]}" --check-conv-backward --threads "$threads" || check_status=$?
  if [ "$check_status" = 4 ]; then
    if env ONEDNN_MAX_CPU_ISA=AVX "${torchsharp_command[@]}" --check-conv-backward --threads "$threads"; then
      torchsharp_command=(env ONEDNN_MAX_CPU_ISA=AVX "${torchsharp_command[@]}")
      note "TorchSharp ran with ONEDNN_MAX_CPU_ISA=AVX: on this CPU its oneDNN's AVX-512 and AVX2 convolution kernels give wrong input gradients (NaN among them) when the output channels do not fill a vector block, the AVX cap selects oneDNN's right GEMM-based path, and also holds its forward convolutions and LSTM to AVX"
    else
      note "TorchSharp's convolution input gradients are wrong on this CPU even with ONEDNN_MAX_CPU_ISA=AVX: its conv case may fail"
    fi
  fi
  # libtorch carries its own MKL, which says at its first call under MKL_VERBOSE which code path it took on this CPU
  # ("Intel(R) Advanced Vector Extensions 512 (Intel(R) AVX-512) ... enabled processors", or the generic "Intel(R)
  # Architecture processors" it has printed on AMD Zen 4).
  local mkl
  mkl=$(env MKL_VERBOSE=1 "${torchsharp_command[@]}" --print-blas --threads 1 2>/dev/null \
    | sed -n 's/^MKL_VERBOSE \(.*\) Product build .* architecture \(.*\), Lnx.*/\1 (inside libtorch), code path: \2/p' | head -n 1) || true
  peer_blas torchsharp "${mkl:-MKL inside libtorch (its MKL_VERBOSE line did not appear)}"
}

# PyTorch.
python=/usr/bin/python3
pytorch_script=$repo/test/Microsoft.ML.Autoencoders.Benchmarks/peers/pytorch_bench.py
prepare_pytorch() {
  # A fresh machine has no PyTorch: install Debian's, with OpenBLAS, where we may (as the CI script does for onnx).
  if ! "$python" -c "import torch" 2>/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== PyTorch is not installed: installing python3-torch and libopenblas0-openmp"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-openmp; } >/dev/null 2>&1 || true
  fi
  if ! "$python" -c "import torch" 2>/dev/null; then
    unavailable pytorch "'$python -c \"import torch\"' fails; install it with: apt-get install python3-torch libopenblas0-openmp"
    return
  fi
  # Debian's torch calls whatever libblas.so.3 the alternatives system points to; the reference BLAS there runs
  # ~40x slower than OpenBLAS and would make PyTorch look absurdly slow. torch.__config__.show() only says
  # BLAS_INFO=generic, so ask the process which library it actually mapped.
  local blas
  blas=$("$python" "$pytorch_script" --print-blas)
  if [[ "$blas" != *openblas* && "$blas" != *mkl* && "$blas" != *blis* ]]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "== PyTorch would use the reference BLAS ($blas): installing libopenblas0-openmp"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas0-openmp >/dev/null \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas0-openmp >/dev/null; } \
        || true
      blas=$("$python" "$pytorch_script" --print-blas)
    fi
    if [[ "$blas" != *openblas* && "$blas" != *mkl* && "$blas" != *blis* ]]; then
      unavailable pytorch "it would run on the reference BLAS ($blas); install an optimized one: apt-get install libopenblas0-openmp"
      return
    fi
  fi
  # OpenBLAS picks its kernels from the CPU it recognises. On one it does not know (Debian's 0.3.21 on Intel family 6
  # model 207) it falls back to generic SSE kernels that run at a fraction of the machine's speed, and some machines here
  # set OPENBLAS_CORETYPE to such a family for older builds' sake: a benchmark against that would prove nothing. So
  # PyTorch runs without the environment's OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, and where OpenBLAS still falls back on
  # a CPU with AVX-512 or AVX2 it is given the matching family; the page says which kernels ran, and its test MSE
  # beside ours shows the results stayed correct.
  local base=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" "$pytorch_script")
  [ -z "${BENCH_PYTORCH_NATIVE_CORETYPE:-}" ] || base=(env -u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE="$BENCH_PYTORCH_NATIVE_CORETYPE" "$python" "$pytorch_script")
  local core wanted=""
  core=$("${base[@]}" --print-openblas-core 2>/dev/null || true)
  case "$core" in
    Prescott|Core2|Penryn|Dunnington|Nehalem|Atom|Katmai|Coppermine|Northwood|Banias)
      if grep -qw avx512f /proc/cpuinfo; then wanted=SkylakeX; elif grep -qw avx2 /proc/cpuinfo; then wanted=Haswell; fi ;;
  esac
  local inherited=""
  [ -z "${OPENBLAS_CORETYPE:-}" ] || inherited=" (OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE, set by the environment, was unset for it)"
  if [ -n "$wanted" ]; then
    pytorch_command=(env -u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE="$wanted" "$python" "$pytorch_script")
    pytorch_native_command=("${base[@]}")
    merge_args+=(--openblas-override "$core=$wanted")
    # The page's header says which core it was given and what that gave (openblas_coretype_override); only say more when
    # the environment had set a core type of its own.
    [ -z "$inherited" ] || note "PyTorch's OpenBLAS chose its generic '$core' kernels$inherited"
  else
    [ -z "$core" ] || note "PyTorch's OpenBLAS runs its '$core' kernels$inherited"
    pytorch_command=("${base[@]}")
  fi
  peer_blas pytorch "$("${pytorch_command[@]}" --print-blas-kernel 2>/dev/null || echo "$blas")"
}
pytorch_native_command=()

if [ "${BENCH_SKIP_TORCHSHARP:-0}" = 1 ]; then unavailable torchsharp "skipped (BENCH_SKIP_TORCHSHARP=1)"; else prepare_torchsharp; fi
if [ "${BENCH_SKIP_PYTORCH:-0}" = 1 ]; then unavailable pytorch "skipped (BENCH_SKIP_PYTORCH=1)"; else prepare_pytorch; fi

# ---- measure: interleaved rounds ----------------------------------------------------------------------------
# Runs one part of one framework for one round: "$1" names the framework, "$2" the part, "$3" the round, the rest
# is its command.
measure_part() {
  local framework=$1 part=$2 round=$3; shift 3
  echo "== $framework: $part, round $round of $rounds"
  run_part "$out/reports/$framework-$part.r$round.json" "$@" $mode_flag --threads "$threads" --part "$part" --round "$round"
}

# Within a round the three frameworks' kernels run back to back (about 25 s in all), then their training: the
# host's slow phases last seconds to minutes, so kernel figures taken close together are likelier to share one.
for ((round = 1; round <= rounds; round++)); do
  for part in kernels training; do
    measure_part ours "$part" "$round" "${ours_command[@]}" \
      || { echo "bench.sh: our $part run failed in round $round" >&2; exit 1; }
    # A peer that fails in any round is left out of the later ones and reported as not measured.
    if [ ${#torchsharp_command[@]} -gt 0 ] && ! measure_part torchsharp "$part" "$round" "${torchsharp_command[@]}"; then
      torchsharp_command=(); unavailable torchsharp "its $part run failed in round $round (see the output above)"
    fi
    if [ ${#pytorch_command[@]} -gt 0 ] && ! measure_part pytorch "$part" "$round" "${pytorch_command[@]}"; then
      pytorch_command=(); unavailable pytorch "its $part run failed in round $round (see the output above)"
    fi
  done
done

# Where PyTorch was given an OpenBLAS core type, one training run on the core OpenBLAS picked itself shows the override
# changed the speed and not the results: the summary puts its test MSE beside the measured runs' (within 1 %, or a warning).
if [ ${#pytorch_native_command[@]} -gt 0 ] && [ ${#pytorch_command[@]} -gt 0 ]; then
  echo "== pytorch: training once on OpenBLAS's own choice of core, for the MSE check"
  if "${pytorch_native_command[@]}" $mode_flag --threads "$threads" --part training --round 1 --json "$out/reports/pytorch-native-training.json"; then
    merge_args+=(--native-report "$out/reports/pytorch-native-training.json")
  else
    note "PyTorch's training on OpenBLAS's own core failed, so the override's MSE check is missing"
  fi
fi

# Ours only, once: one epoch on a file four times a GC heap hard limit, streamed under the limit, beside the in-memory Fit
# without it (StreamTrainingRun.cs): stream_train_peak_rss and stream_data_bytes in the summary. Its children run one at a time.
echo "== ours: training on data larger than the heap limit (stream)"
"$ours" stream $mode_flag --threads "$threads" --json "$out/reports/ours-stream.json" \
  || { echo "bench.sh: our stream run failed" >&2; exit 1; }
merge_args+=(--report "$out/reports/ours-stream.json")

# Ours only, once: the square SGEMMs at the depth block the engine chose and at 256, 512, 768 and 1024, a child process per
# depth (GemmDepthSweep.cs). kc comes from a table of measured CPUs; on one the table does not know, this says whether
# the chosen depth is the best of those, and by how much.
echo "== ours: the GEMM depth block (gemm-depths)"
# Without AUTOENCODERS_GEMM_KC, which someone may keep set for equal bits across machines: "chosen" is the table's kc.
env -u AUTOENCODERS_GEMM_KC "$ours" gemm-depths $mode_flag --threads "$threads" --json "$out/reports/ours-depths.json" \
  || { echo "bench.sh: our gemm-depths run failed" >&2; exit 1; }
merge_args+=(--report "$out/reports/ours-depths.json")

# Every round's reports of every framework that ran all of them.
add_reports() {
  local round
  for ((round = 1; round <= rounds; round++)); do
    merge_args+=(--report "$out/reports/$1-kernels.r$round.json" --report "$out/reports/$1-training.r$round.json")
  done
}
add_reports ours
[ ${#torchsharp_command[@]} -eq 0 ] || add_reports torchsharp
[ ${#pytorch_command[@]} -eq 0 ] || add_reports pytorch

# ---- merge --------------------------------------------------------------------------------------------------
markdown=$repo/docs/benchmarks.md
[ "$mode" = full ] || markdown=$out/benchmarks.md
echo "== summary"
"$ours" merge "${merge_args[@]}" --command "$command" --out "$out/summary.json" --markdown "$markdown"
