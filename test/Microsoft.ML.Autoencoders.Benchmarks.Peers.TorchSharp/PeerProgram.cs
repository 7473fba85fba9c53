using System.Reflection;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Autoencoders.Benchmarks.Peers.TorchSharp;

/// <summary>
/// TorchSharp-cpu running the same cases as our harness (same flags: --quick|--dry, --part, --threads, --round,
/// --json, --mnist). build/bench.sh runs it with the Debian 12 loader shim and MALLOC_MMAP_THRESHOLD_ set; when libtorch
/// cannot load, it exits 3 with the reason on stderr and the summary marks TorchSharp as not measured. A first argument
/// "lstm" runs only the LSTM autoencoder's case and prints it, like our harness's "lstm" verb. --print-blas runs one small
/// product and exits: under MKL_VERBOSE=1 the MKL inside libtorch then prints its version and the code path it chose for
/// this CPU, which build/bench.sh records as peer_blas_torchsharp. --check-conv-backward exits 4 when libtorch's convolution
/// input gradients are wrong on this machine (<see cref="ConvBackwardCheck"/>), 0 when they are right.
/// </summary>
public static class PeerProgram
{
    public static int Main(string[] args)
    {
        bool lstmOnly = args.Length > 0 && args[0] == "lstm";
        var options = BenchOptions.Parse(lstmOnly ? args[1..] : args);
        var settings = BenchSettings.For(options.Mode);
        try
        {
            // Touches libtorch: fails here, not halfway through, when the native library cannot load.
            torch.set_num_threads(options.Threads);
            torch.set_num_interop_threads(1);
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or NotSupportedException)
        {
            Console.Error.WriteLine($"TorchSharp could not load libtorch: {e.GetBaseException().Message}");
            return 3;
        }

        if (options.Rest.Contains("--print-blas"))
        {
            using Tensor product = torch.mm(torch.ones(64, 64), torch.ones(64, 64));
            Console.WriteLine($"one 64x64 product: {product[0, 0].item<float>()}");
            return 0;
        }

        if (options.Rest.Contains("--check-conv-backward"))
            return ConvBackwardCheck.Run() ? 0 : 4;

        var report = new BenchReport
        {
            Framework = "torchsharp",
            Version = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "unknown",
            Mode = options.Mode.ToString().ToLowerInvariant(),
            Threads = options.Threads,
            Round = options.Round,
            Settings = ReportSettings.From(settings),
        };
        // The allocator setting changes TorchSharp's peak memory several-fold (PEERS-NOTES): record it with the figures.
        report.Settings["malloc_mmap_threshold"] = Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") ?? "glibc default";
        report.Settings["torch_threads"] = torch.get_num_threads().ToString(System.Globalization.CultureInfo.InvariantCulture);
        Console.WriteLine($"torchsharp ({report.Version}), mode {report.Mode}, {options.Threads} threads, part {options.Part}, round {options.Round}");

        if (lstmOnly)
        {
            TorchSharpTraining.RunLstm(settings, report);
            return 0;
        }

        var load = MachineLoad.Start();
        if (options.RunKernels) TorchSharpKernels.Run(settings, report);
        if (options.RunTraining) TorchSharpTraining.Run(settings, Mnist.FindDirectory(options.MnistDirectory), report);
        if (load is not null) report.Settings[$"other_load_{options.Part}"] = load.OtherCores();
        if (options.JsonPath is not null) report.Write(options.JsonPath);
        return 0;
    }
}
