using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// The <see cref="LstmAutoencoderCase"/> network on our engine: windows per second in the second epoch, MSE after both.
/// <paramref name="kind"/> <see cref="SequenceAutoencoderKind.LstmSequenceToSequence"/> times the same encoder with the
/// sequence-to-sequence decoder instead (metrics lstm_seq2seq_ae_*), <paramref name="cell"/> <see cref="RecurrentCell.Gru"/>
/// the repeat-vector network with GRUs (gru_ae_*); both ours only, so they stay out of the peer comparison.
/// </summary>
public static class LstmEpochHarness
{
    public static void Run(BenchSettings settings, int threads, BenchReport report, SequenceAutoencoderKind kind = SequenceAutoencoderKind.Lstm,
        RecurrentCell cell = RecurrentCell.Lstm)
    {
        int windows = LstmAutoencoderCase.Windows(settings.Mode);
        float[] data = LstmAutoencoderCase.Data(windows);
        var architecture = SequenceArchitecture.LstmAutoencoder(LstmAutoencoderCase.Window, LstmAutoencoderCase.Channels,
            LstmAutoencoderCase.HiddenUnits, LstmAutoencoderCase.CodeSize) with { Kind = kind, Cell = cell };
        string prefix = cell == RecurrentCell.Gru ? "gru_ae" : kind == SequenceAutoencoderKind.Lstm ? "lstm_ae" : "lstm_seq2seq_ae";
        var network = AutoencoderNetwork.Create(architecture.ToSpec(), AutoencoderCase.Seed);
        var options = new TrainingOptions
        {
            Epochs = LstmAutoencoderCase.Epochs,
            BatchSize = LstmAutoencoderCase.BatchSize,
            Loss = LossKind.MeanSquaredError,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = LstmAutoencoderCase.LearningRate },
            Seed = AutoencoderCase.Seed,
            Threads = threads,
        };
        Console.WriteLine($"  LSTM autoencoder, {kind}, cell {cell} ({LstmAutoencoderCase.Window}×{LstmAutoencoderCase.Channels} windows, hidden {LstmAutoencoderCase.HiddenUnits}, code {LstmAutoencoderCase.CodeSize})");
        var history = new AutoencoderTrainer(network, options).Fit(data, null, windows,
            e => Console.WriteLine($"    epoch {e.Epoch}: loss {e.TrainingLoss:F5}, {e.Seconds:F3} s"));
        report.Add(prefix + "_windows_per_second", "windows/s", windows / history.Epochs[^1].Seconds, "higher",
            $"epoch {LstmAutoencoderCase.Epochs} of {LstmAutoencoderCase.Epochs}, {windows} windows of {LstmAutoencoderCase.Window}×{LstmAutoencoderCase.Channels}, batch {LstmAutoencoderCase.BatchSize}");

        var reconstruction = new float[data.Length];
        var cache = network.CreateCache(LstmAutoencoderCase.BatchSize);
        int width = LstmAutoencoderCase.Window * LstmAutoencoderCase.Channels;
        for (int start = 0; start < windows; start += LstmAutoencoderCase.BatchSize)
        {
            int rows = Math.Min(LstmAutoencoderCase.BatchSize, windows - start);
            network.Reconstruct(cache, data.AsSpan(start * width, rows * width), reconstruction.AsSpan(start * width, rows * width), rows, LayerContext.Inference(threads));
        }
        report.Add(prefix + "_mse", "MSE", AutoencoderCase.MeanSquaredError(reconstruction, data), "lower",
            $"the {windows} training windows after {LstmAutoencoderCase.Epochs} epochs");
    }
}
