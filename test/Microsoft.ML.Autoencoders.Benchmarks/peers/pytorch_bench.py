#!/usr/bin/env python3
"""PyTorch side of the side-by-side benchmark: the same cases, sizes, timing method and JSON report as our
harness (test/Microsoft.ML.Autoencoders.Benchmarks, see Shared/*.cs) so build/bench.sh can merge them.

Flags mirror the .NET programs: --quick | --dry, --part kernels|training|all|lstm (lstm: only the LSTM autoencoder, as
the .NET programs' "lstm" verb), --threads N, --round N,
--json FILE, --mnist DIR; --print-blas only names the BLAS library torch loaded (the driver checks it is not the reference
BLAS, which is ~40x slower); --print-openblas-core only names the OpenBLAS kernel family in use; --print-blas-kernel names
the library, its version and the kernels it runs in one line, for the summary's peer_blas_pytorch. MNIST is read from the original gzip IDX files with gzip + numpy."""
import argparse
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

# Mirrors BenchSettings.For (Shared/BenchMode.cs): train rows, test rows, epochs, batch, inference batch,
# kernel samples, minimum seconds per sample, warm-up calls.
MODES = {
    "full": dict(train_rows=60000, test_rows=10000, epochs=10, batch_size=256, inference_batch_size=1024,
                 kernel_samples=9, min_sample_seconds=0.05, warmup_calls=2),
    "quick": dict(train_rows=12000, test_rows=10000, epochs=3, batch_size=256, inference_batch_size=1024,
                  kernel_samples=5, min_sample_seconds=0.02, warmup_calls=1),
    "dry": dict(train_rows=512, test_rows=1024, epochs=2, batch_size=256, inference_batch_size=1024,
                kernel_samples=1, min_sample_seconds=0.0, warmup_calls=0),
}

# Mirrors LstmAutoencoderCase.Windows (Shared/LstmAutoencoderCase.cs): windows per epoch of the LSTM autoencoder.
LSTM_WINDOWS = {"full": 8192, "quick": 2048, "dry": 256}

# Mirrors GemmCases (Shared/GemmCases.cs): (name, transA, transB, m, n, k), row-major, C overwritten.
AE_LAYERS = [(784, 256), (256, 64), (64, 256), (256, 784)]
AE_BATCH = 256


def gemm_cases():
    """(square, autoencoder): the square cases, and the autoencoder's 12 products layer by layer as
    (case, in_training_step) pairs, as GemmCases.All orders them."""
    square = [("sgemm_square_1024", False, False, 1024, 1024, 1024),
              ("sgemm_square_2048", False, False, 2048, 2048, 2048)]
    autoencoder = []
    for i, (n_in, n_out) in enumerate(AE_LAYERS):
        layer = f"L{i + 1}_{n_in}x{n_out}"
        autoencoder.append(((f"sgemm_ae_{layer}_fwd_NN", False, False, AE_BATCH, n_out, n_in), True))
        autoencoder.append(((f"sgemm_ae_{layer}_dW_TN", True, False, n_in, n_out, AE_BATCH), True))
        # Training never computes the first layer's input gradient (GemmCases.UnusedInTraining): it is timed
        # for completeness but kept out of the step mix.
        autoencoder.append(((f"sgemm_ae_{layer}_dX_NT", False, True, AE_BATCH, n_in, n_out), i > 0))
    return square, autoencoder


class Report:
    """The JSON shape of BenchReport (Shared/BenchReport.cs)."""

    def __init__(self, mode, threads, round_, settings):
        self.doc = {"framework": "pytorch", "version": torch.__version__, "mode": mode, "threads": threads,
                    "round": round_, "settings": settings, "results": []}

    def add(self, name, unit, value, better, note=None):
        item = {"name": name, "unit": unit, "value": float(value), "better": better}
        if note is not None:
            item["note"] = note
        self.doc["results"].append(item)
        print(f"  {name:<40} {value:12.5g} {unit}" + (f"  ({note})" if note else ""), flush=True)

    def run_case(self, name, run):
        """Runs one case so that its failure costs only its own figures (BenchReport.RunCase): the exception's type and
        first line go to settings["failed_" + name], the merge makes that a note, and the next case still runs."""
        try:
            run()
            return True
        except Exception as e:  # whatever torch raises, the other cases' figures are still worth having
            reason = f"{type(e).__name__}: {(str(e).splitlines() or [''])[0].strip()}"
            self.doc["settings"]["failed_" + name] = reason
            print(f"  {name} failed, its figures are left out: {reason}", file=sys.stderr, flush=True)
            return False

    def write(self, path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w") as f:
            json.dump(self.doc, f, indent=2)


def time_op(op, mode):
    """Median seconds per call, as SampleTimer.MedianSecondsPerCall: warm up, group calls into samples of at
    least min_sample_seconds, take the median sample."""
    once = 0.0
    for _ in range(mode["warmup_calls"]):
        t0 = time.perf_counter()
        op()
        once = time.perf_counter() - t0
    calls = max(1, int(-(-mode["min_sample_seconds"] // once))) if once > 0 else 1
    samples = []
    for _ in range(mode["kernel_samples"]):
        t0 = time.perf_counter()
        for _ in range(calls):
            op()
        samples.append((time.perf_counter() - t0) / calls)
    return statistics.median(samples)


def loaded_blas():
    """The BLAS shared libraries this process mapped (torch loads libblas.so.3 through Debian's alternatives)."""
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "blas" in os.path.basename(line.split()[-1])}
    return ", ".join(sorted(os.path.realpath(p) for p in paths)) or "none found"


def openblas_core():
    """The kernel family OpenBLAS chose for this CPU (openblas_get_corename), or "" when OpenBLAS is not loaded. Debian's
    OpenBLAS 0.3.21 falls back to its generic "Prescott" kernels on CPUs it does not know (Intel family 6 model 207)."""
    import ctypes
    for path in loaded_blas().split(", "):
        if "openblas" not in os.path.basename(path):
            continue
        try:
            library = ctypes.CDLL(path)
            library.openblas_get_corename.restype = ctypes.c_char_p
            return library.openblas_get_corename().decode()
        except (OSError, AttributeError):
            continue
    return ""


def blas_kernel():
    """One line for the page: "OpenBLAS 0.3.21 (libopenblasp-r0.3.21.so), core Cooperlake" (openblas_get_config's version,
    openblas_get_corename's kernels), or the library's path when it is not OpenBLAS."""
    core = openblas_core()
    if not core:
        return loaded_blas()
    import ctypes
    for path in loaded_blas().split(", "):
        if "openblas" in os.path.basename(path):
            library = ctypes.CDLL(path)
            library.openblas_get_config.restype = ctypes.c_char_p
            version = " ".join(library.openblas_get_config().decode().split()[:2])
            override = os.environ.get("OPENBLAS_CORETYPE")
            return f"{version} ({os.path.basename(path)}), core {core}" + (f" (OPENBLAS_CORETYPE={override})" if override else "")
    return loaded_blas()


class MachineLoad:
    """Cores other processes kept busy while we measured, as MachineLoad (Shared/MachineLoad.cs): the machine's
    busy time from /proc/stat minus this process's CPU time, over the wall time."""

    def __init__(self):
        self.busy, self.own, self.wall = self._busy(), time.process_time(), time.perf_counter()

    @staticmethod
    def _busy():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return (v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)) / 100.0  # USER_HZ = 100

    def other_cores(self):
        wall = time.perf_counter() - self.wall
        other = (self._busy() - self.busy) - (time.process_time() - self.own)
        return f"{max(0.0, other / wall):.2f}"


def peak_rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return None


def read_images(path, max_rows):
    """IDX image file (gzip): magic 0x803, count, rows, columns (big-endian int32), then uint8 pixels."""
    with gzip.open(path, "rb") as f:
        header = np.frombuffer(f.read(16), dtype=">i4")
        if header[0] != 0x803:
            raise ValueError(f"{path} is not an IDX image file")
        count, pixels = int(header[1]), int(header[2] * header[3])
        rows = min(count, max_rows)
        data = np.frombuffer(f.read(rows * pixels), dtype=np.uint8)
    return torch.from_numpy(data.reshape(rows, pixels).astype(np.float32) / np.float32(255))


def find_mnist(explicit):
    if explicit:
        return explicit
    if os.environ.get("MNIST_DIR"):
        return os.environ["MNIST_DIR"]
    d = os.getcwd()
    while True:
        candidate = os.path.join(d, "shared", "data", "mnist")
        if os.path.exists(os.path.join(candidate, "train-images-idx3-ubyte.gz")):
            return candidate
        parent = os.path.dirname(d)
        if parent == d:
            sys.exit("MNIST not found: pass --mnist DIR or set MNIST_DIR")
        d = parent


def run_kernels(mode, report):
    square, autoencoder = gemm_cases()
    step = [case for case, in_training_step in autoencoder if in_training_step]
    seconds = {}
    with torch.no_grad():
        for name, ta, tb, m, n, k in square + [case for case, _ in autoencoder]:
            a = torch.rand(k, m) * 2 - 1 if ta else torch.rand(m, k) * 2 - 1
            b = torch.rand(n, k) * 2 - 1 if tb else torch.rand(k, n) * 2 - 1
            op_a, op_b = (a.t() if ta else a), (b.t() if tb else b)  # .t() reaches BLAS as a transpose flag
            c = torch.zeros(m, n)
            s = time_op(lambda: c.addmm_(op_a, op_b, beta=0, alpha=1), mode)
            seconds[name] = s
            layout = ("T" if ta else "N") + ("T" if tb else "N")
            report.add(name, "GFLOP/s", 2.0 * m * n * k / s / 1e9, "higher", f"{layout} m={m} n={n} k={k}")
    flops = sum(2.0 * m * n * k for _, _, _, m, n, k in step)
    report.add("sgemm_ae_step_mix", "GFLOP/s", flops / sum(seconds[c[0]] for c in step) / 1e9, "higher",
               f"the {len(step)} products of one training step, total FLOP / total time")


def train_epochs(model, optimizer, loss_fn, data, batch, epochs):
    """Trains `model` to reconstruct `data` (rows shuffled every epoch) and returns each epoch's seconds."""
    rows = data.shape[0]
    epoch_seconds = []
    for epoch in range(1, epochs + 1):
        model.train()
        t0 = time.perf_counter()
        order = torch.randperm(rows)
        loss_sum = 0.0
        for start in range(0, rows, batch):
            x = data.index_select(0, order[start:start + batch])
            loss = loss_fn(model(x), x)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * x.shape[0]
        epoch_seconds.append(time.perf_counter() - t0)
        print(f"    epoch {epoch}: loss {loss_sum / rows:.5f}, {epoch_seconds[-1]:.3f} s", flush=True)
    return epoch_seconds


def run_training(mode, mnist, report):
    """Every MNIST training case in turn, each through report.run_case so one that fails leaves the others' figures."""
    train = read_images(os.path.join(mnist, "train-images-idx3-ubyte.gz"), mode["train_rows"])
    test = read_images(os.path.join(mnist, "t10k-images-idx3-ubyte.gz"), mode["test_rows"])
    report.run_case("ae", lambda: run_dense_training(mode, train, test, report))
    report.run_case("conv_ae", lambda: run_conv_training(train, test, report))
    report.run_case("vae", lambda: run_vae_training(train, test, report))


def run_dense_training(mode, train, test, report):
    """The AutoencoderCase network (Shared/AutoencoderCase.cs): 784-256-64-256-784, ReLU hidden layers (code
    included), sigmoid output, MSE, Adam lr 1e-3, batch 256, shuffled every epoch, PyTorch's default init."""
    torch.manual_seed(42)
    rows, pixels = train.shape
    nn = torch.nn
    model = nn.Sequential(nn.Linear(pixels, 256), nn.ReLU(), nn.Linear(256, 64), nn.ReLU(),
                          nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, pixels), nn.Sigmoid())
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    batch, epochs = mode["batch_size"], mode["epochs"]

    epoch_seconds = train_epochs(model, optimizer, loss_fn, train, batch, epochs)
    peak = peak_rss_mib()  # before inference allocates anything: this figure is training's
    report.add("ae_epoch_seconds", "s/epoch", statistics.median(epoch_seconds[1:]), "lower",
               f"median of epochs 2..{epochs}, {rows} rows, batch {batch}")

    model.eval()
    test_rows, infer_batch = test.shape[0], mode["inference_batch_size"]
    with torch.no_grad():
        def infer_all():
            for start in range(0, test_rows, infer_batch):
                model(test[start:start + infer_batch])
        pass_seconds = time_op(infer_all, mode)
        reconstruction = model(test)
        mse = float(((reconstruction.double() - test.double()) ** 2).mean())
    report.add("ae_test_mse", "MSE", mse, "lower", f"{test_rows} test rows after {epochs} epochs")
    report.add("ae_inference_rows_per_second", "rows/s", test_rows / pass_seconds, "higher",
               f"{test_rows} test rows, batch {infer_batch}")
    if peak is not None:
        report.add("ae_train_peak_rss", "MiB", peak, "lower", "VmHWM at the end of training, own process")


class Vae(torch.nn.Module):
    """The PyTorch examples' VAE, 784-400-20: ReLU, sigmoid output, z = mu + eps * exp(log_variance / 2)."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.fc1, self.fc21, self.fc22 = nn.Linear(784, 400), nn.Linear(400, 20), nn.Linear(400, 20)
        self.fc3, self.fc4 = nn.Linear(20, 400), nn.Linear(400, 784)

    def forward(self, x):
        F = torch.nn.functional
        h = F.relu(self.fc1(x))
        mu, log_variance = self.fc21(h), self.fc22(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * log_variance)
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z)))), mu, log_variance


def negative_elbo_sum(model, x):
    """BCE summed over the pixels plus the closed-form KL, summed over the rows (the example's loss)."""
    reconstruction, mu, log_variance = model(x)
    bce = torch.nn.functional.binary_cross_entropy(reconstruction, x, reduction="sum")
    return bce - 0.5 * torch.sum(1 + log_variance - mu.pow(2) - log_variance.exp())


def run_vae_training(train, test, report):
    """The VaeCase network (Shared/VaeCase.cs): the PyTorch examples' VAE, 784-400-20, BCE summed over the pixels plus
    the KL term, Adam lr 1e-3, batch 128, two epochs (the second is timed), PyTorch's default init; then the test negative
    ELBO in nats per image with one latent draw per image."""
    torch.manual_seed(42)
    model = Vae()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    rows, batch, epochs = train.shape[0], 128, 2
    print("  variational autoencoder (PyTorch examples' VAE)", flush=True)
    seconds = []
    for epoch in range(1, epochs + 1):
        model.train()
        t0, total = time.perf_counter(), 0.0
        order = torch.randperm(rows)
        for start in range(0, rows, batch):
            x = train[order[start:start + batch]]
            optimizer.zero_grad()
            loss = negative_elbo_sum(model, x)
            loss.backward()
            optimizer.step()
            total += loss.item()
        seconds.append(time.perf_counter() - t0)
        print(f"    epoch {epoch}: negative ELBO {total / rows:.2f}, {seconds[-1]:.3f} s", flush=True)
    report.add("vae_epoch_seconds", "s/epoch", seconds[-1], "lower", f"epoch {epochs} of {epochs}, {rows} rows, batch {batch}")
    model.eval()
    with torch.no_grad():
        total = sum(float(negative_elbo_sum(model, test[s:s + 500])) for s in range(0, test.shape[0], 500))
    report.add("vae_test_negative_elbo", "nats/image", total / test.shape[0], "lower",
               f"{test.shape[0]} test rows after {epochs} epochs, one latent draw each")


def run_conv_training(train, test, report):
    """The ConvAutoencoderCase network (Shared/ConvAutoencoderCase.cs): the Keras blog's conv autoencoder, BCE,
    Adam lr 1e-3, batch 128, two epochs (the second is timed), PyTorch's default init."""
    torch.manual_seed(42)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
        nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2),
        nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2),
        nn.Conv2d(8, 16, 3), nn.ReLU(), nn.Upsample(scale_factor=2),
        nn.Conv2d(16, 1, 3, padding=1), nn.Sigmoid())
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCELoss()
    images, test_images = train.view(-1, 1, 28, 28), test.view(-1, 1, 28, 28)
    rows, batch, epochs = images.shape[0], 128, 2
    print("  conv autoencoder (Keras blog network)", flush=True)
    seconds = train_epochs(model, optimizer, loss_fn, images, batch, epochs)[-1]
    report.add("conv_ae_epoch_seconds", "s/epoch", seconds, "lower", f"epoch {epochs} of {epochs}, {rows} rows, batch {batch}")
    model.eval()
    with torch.no_grad():
        p = torch.cat([model(test_images[s:s + 500]) for s in range(0, test_images.shape[0], 500)]).double().clamp(1e-7, 1 - 1e-7)
        t = test_images.double()
        bce = float(-(t * p.log() + (1 - t) * (1 - p).log()).mean())
    report.add("conv_ae_test_bce", "BCE", bce, "lower", f"{test_images.shape[0]} test rows after {epochs} epochs")


def lstm_windows(count):
    """LstmAutoencoderCase.Data: window n is sin(2*pi*t/p + phi) + 0.1*sin(2.3*t + n), p = 16 + (7n mod 32),
    phi = 2*pi*frac(0.6180339887*n), computed in double and stored as float32, [count, 64] (64 steps of one channel)."""
    t = np.arange(64, dtype=np.float64)
    rows = []
    for n in range(count):
        period = 16 + (7 * n) % 32
        phase = 2 * np.pi * ((0.6180339887 * n) % 1.0)
        rows.append(np.sin(2 * np.pi * t / period + phase) + 0.1 * np.sin(2.3 * t + n))
    return torch.from_numpy(np.stack(rows).astype(np.float32))


class LstmAutoencoder(torch.nn.Module):
    """The LstmAutoencoderCase network: LSTM(1 -> 64), its last hidden state -> Linear(64 -> 16) = the code, the code
    repeated for all 64 steps, LSTM(16 -> 64) over them, Linear(64 -> 1) on every step."""

    def __init__(self, steps=64, channels=1, hidden=64, code=16):
        super().__init__()
        nn = torch.nn
        self.steps, self.channels = steps, channels
        self.encoder = nn.LSTM(channels, hidden, batch_first=True)
        self.to_code = nn.Linear(hidden, code)
        self.decoder = nn.LSTM(code, hidden, batch_first=True)
        self.to_channels = nn.Linear(hidden, channels)

    def forward(self, x):
        sequence = x.view(-1, self.steps, self.channels)
        _, (last, _) = self.encoder(sequence)
        code = self.to_code(last[-1])
        states, _ = self.decoder(code.unsqueeze(1).expand(-1, self.steps, -1))
        return self.to_channels(states).reshape(x.shape[0], -1)


def run_lstm_training(mode_name, report):
    """The LstmAutoencoderCase network: MSE, Adam lr 1e-3, batch 128, two epochs (the second is timed), PyTorch's
    default init."""
    torch.manual_seed(42)
    windows = lstm_windows(LSTM_WINDOWS[mode_name])
    model = LstmAutoencoder()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    rows, batch, epochs = windows.shape[0], 128, 2
    print("  LSTM autoencoder (64x1 windows, hidden 64, code 16)", flush=True)
    seconds = train_epochs(model, optimizer, torch.nn.MSELoss(), windows, batch, epochs)[-1]
    report.add("lstm_ae_windows_per_second", "windows/s", rows / seconds, "higher",
               f"epoch {epochs} of {epochs}, {rows} windows of 64x1, batch {batch}")
    model.eval()
    with torch.no_grad():
        reconstruction = torch.cat([model(windows[s:s + batch]) for s in range(0, rows, batch)])
        mse = float(((reconstruction.double() - windows.double()) ** 2).mean())
    report.add("lstm_ae_mse", "MSE", mse, "lower", f"the {rows} training windows after {epochs} epochs")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--dry", action="store_true")
    p.add_argument("--part", choices=["all", "kernels", "training", "lstm"], default="all")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--round", type=int, default=1, help="build/bench.sh's round this run belongs to; only recorded")
    p.add_argument("--json")
    p.add_argument("--mnist")
    p.add_argument("--print-blas", action="store_true")
    p.add_argument("--print-openblas-core", action="store_true")
    p.add_argument("--print-blas-kernel", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.print_blas:
        torch.mm(torch.ones(4, 4), torch.ones(4, 4))  # make sure the BLAS is loaded
        print(loaded_blas())
        return
    if args.print_openblas_core:
        torch.mm(torch.ones(4, 4), torch.ones(4, 4))
        print(openblas_core())
        return
    if args.print_blas_kernel:
        torch.mm(torch.ones(4, 4), torch.ones(4, 4))
        print(blas_kernel())
        return
    mode_name = "dry" if args.dry else "quick" if args.quick else "full"
    mode = MODES[mode_name]
    settings = {k: str(mode[k]) for k in ("train_rows", "test_rows", "epochs", "batch_size",
                                          "inference_batch_size", "kernel_samples")}
    torch.mm(torch.ones(4, 4), torch.ones(4, 4))
    settings["blas"] = loaded_blas()
    core = openblas_core()
    if core:
        settings["openblas_core"] = core + (" (OPENBLAS_CORETYPE=" + os.environ["OPENBLAS_CORETYPE"] + ")" if os.environ.get("OPENBLAS_CORETYPE") else "")
    settings["torch_threads"] = str(torch.get_num_threads())
    settings["python"] = sys.version.split()[0]
    if args.round < 1:
        p.error("--round must be at least 1")
    report = Report(mode_name, args.threads, args.round, settings)
    print(f"pytorch ({torch.__version__}), mode {mode_name}, {args.threads} threads, part {args.part}, "
          f"round {args.round}", flush=True)
    load = MachineLoad()
    if args.part in ("all", "kernels"):
        run_kernels(mode, report)
    if args.part in ("all", "training"):
        run_training(mode, find_mnist(args.mnist), report)
        report.run_case("lstm_ae", lambda: run_lstm_training(mode_name, report))
    if args.part == "lstm":
        run_lstm_training(mode_name, report)
    settings["other_load_" + args.part] = load.other_cores()
    if args.json:
        report.write(args.json)


if __name__ == "__main__":
    main()
