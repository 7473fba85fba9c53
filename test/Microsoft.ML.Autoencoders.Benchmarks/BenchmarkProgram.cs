using System.Reflection;
using BenchmarkDotNet.Running;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// Entry point. Verbs:
///   run [--quick|--dry] [--part kernels|training|scoring|all] [--threads N] [--round N] [--json FILE] [--mnist DIR]
///       our side of the side-by-side benchmark (the default verb);
///   bdn [BenchmarkDotNet arguments]  the BenchmarkDotNet kernel benchmarks, e.g. bdn --filter *Gemm*;
///   merge ...                        combines every framework's reports into summary.json and the Markdown table
///                                    (see <see cref="SummaryMerger"/>);
///   conv-quality [--epochs N]        the conv network's test BCE epoch by epoch (see <see cref="ConvQualityRun"/>).
///   vae-quality [--kind K]           a VAE's test negative ELBO epoch by epoch (see <see cref="VaeQualityRun"/>).
///   lstm [--quick|--dry] [--threads N]  only the LSTM autoencoder's training case, printed (to time it alone).
///   lstm-seq2seq [--quick|--dry] [--threads N]  the same case with the sequence-to-sequence decoder (ours only).
///   gru [--quick|--dry] [--threads N]  the same case with GRUs in place of the LSTMs (ours only).
///   conv [--quick|--dry] [--threads N] [--mnist DIR]  only the conv autoencoder's epoch and per-layer timings, printed.
///   gemm [--sizes 1024,2048] [--threads N]  square SGEMMs alone, with the blocking chosen (see <see cref="GemmRun"/>).
///   gemm-depths [--depths 256,512,768,1024] [--rounds N] [--json FILE]  the same SGEMMs at the chosen depth block and at
///                                    others, a child process each (see <see cref="GemmDepthSweep"/>).
///   infer [--threads N] [--route sparse|dense|both] [--layers]  the dense autoencoder's inference alone (see <see cref="InferenceRun"/>).
///   predict [--rows N]               where a prediction engine's time goes per row (see <see cref="PredictionEngineProfile"/>).
///   stream [--quick|--dry] [--threads N] [--json FILE] [--mnist DIR]  training on a file larger than a GC heap limit,
///                                    streamed, beside the in-memory Fit (see <see cref="StreamTrainingRun"/>).
/// </summary>
public static class BenchmarkProgram
{
    public static int Main(string[] args)
    {
        string verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "run";
        string[] rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
        switch (verb)
        {
            case "run":
                Run(BenchOptions.Parse(rest));
                return 0;
            case "bdn":
                BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(rest);
                return 0;
            case "merge":
                return SummaryMerger.Run(rest);
            case "conv-quality":
                return ConvQualityRun.Run(rest);
            case "vae-quality":
                return VaeQualityRun.Run(rest);
            case "gemm":
                return GemmRun.Run(rest);
            case "gemm-depths":
                return GemmDepthSweep.Run(rest);
            case "predict":
                return PredictionEngineProfile.Run(rest);
            case "infer":
                return InferenceRun.Run(rest);
            case "stream":
                return StreamTrainingRun.Run(rest);
            case "stream-child":
                return StreamTrainingRun.ChildMain(rest);
            case "lstm":
            case "lstm-seq2seq":
            case "gru":
                var lstmOptions = BenchOptions.Parse(rest);
                var lstmReport = new BenchReport { Framework = "ours", Version = "", Mode = lstmOptions.Mode.ToString().ToLowerInvariant(), Threads = lstmOptions.Threads };
                LstmEpochHarness.Run(BenchSettings.For(lstmOptions.Mode), lstmOptions.Threads, lstmReport,
                    verb == "lstm-seq2seq" ? Engine.Models.SequenceAutoencoderKind.LstmSequenceToSequence : Engine.Models.SequenceAutoencoderKind.Lstm,
                    verb == "gru" ? Engine.Models.RecurrentCell.Gru : Engine.Models.RecurrentCell.Lstm);
                return 0;
            case "conv":
                var convOptions = BenchOptions.Parse(rest);
                var convReport = new BenchReport { Framework = "ours", Version = "", Mode = convOptions.Mode.ToString().ToLowerInvariant(), Threads = convOptions.Threads };
                var (convTrain, convTrainRows, _) = Mnist.ReadImages(Path.Combine(Mnist.FindDirectory(convOptions.MnistDirectory), Mnist.TrainImages));
                var (convTest, convTestRows, _) = Mnist.ReadImages(Path.Combine(Mnist.FindDirectory(convOptions.MnistDirectory), Mnist.TestImages));
                ConvEpochHarness.Run(BenchSettings.For(convOptions.Mode), convOptions.Threads, convTrain, convTrainRows, convTest, convTestRows, convReport);
                foreach (var result in convReport.Results) Console.WriteLine($"  {result.Name,-32} {result.Value,10:G4} {result.Unit}");
                return 0;
            default:
                Console.Error.WriteLine($"Unknown verb '{verb}': use run, bdn, merge, conv-quality, vae-quality, lstm, lstm-seq2seq, gru, conv, gemm, gemm-depths, infer, predict or stream.");
                return 2;
        }
    }

    /// <summary>Runs the parts <paramref name="options"/> asks for and returns (and, with --json, writes) the report.</summary>
    public static BenchReport Run(BenchOptions options)
    {
        var settings = BenchSettings.For(options.Mode);
        var report = new BenchReport
        {
            Framework = "ours",
            Version = typeof(Engine.Kernels.Gemm).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
            Mode = options.Mode.ToString().ToLowerInvariant(),
            Threads = options.Threads,
            Round = options.Round,
            Settings = ReportSettings.From(settings),
        };
        report.Settings["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;
        report.Settings["gemm_blocking"] = Engine.Kernels.GemmBlocking.Current.ToString();
        Console.WriteLine($"ours ({report.Version}), mode {report.Mode}, {options.Threads} threads, part {options.Part}, round {options.Round}");
        var load = MachineLoad.Start();
        if (options.RunKernels) KernelSuite.Run(settings, options.Threads, report);
        if (options.RunTraining)
        {
            EpochHarness.Run(settings, options.Threads, Mnist.FindDirectory(options.MnistDirectory), report);
            LstmEpochHarness.Run(settings, options.Threads, report);
        }
        if (options.RunScoringOnly) MlNetScoringHarness.Run(settings, options.Threads, Mnist.FindDirectory(options.MnistDirectory), report);
        if (load is not null) report.Settings[$"other_load_{options.Part}"] = load.OtherCores();
        if (options.JsonPath is not null) report.Write(options.JsonPath);
        return report;
    }
}
