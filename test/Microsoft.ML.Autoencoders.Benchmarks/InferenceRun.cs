using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// The <c>infer</c> verb: the dense autoencoder's inference over the MNIST test set alone, timed as
/// <see cref="EpochHarness"/> times <c>ae_inference_rows_per_second</c> (same network, batch and timer) but without the
/// ten epochs of training before it, so a change to the inference path can be measured in seconds:
///   infer [--threads N] [--samples N] [--route sparse|dense|both] [--layers] [--mnist DIR]
/// The weights are the initial ones (the products' cost does not depend on their values). --layers also prints each
/// dense layer's time (with its fused activation) run on its own from the cache.
/// </summary>
public static class InferenceRun
{
    public static int Run(string[] args)
    {
        int threads = 2, samples = 9, batch = 1024;
        string route = "both";
        bool layers = false;
        string? mnist = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--threads": threads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--samples": samples = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--route": route = Next(); break;
                case "--layers": layers = true; break;
                case "--mnist": mnist = Next(); break;
                default: throw new ArgumentException($"Unknown infer argument '{args[i]}' (use --threads, --samples, --route, --layers, --mnist).");
            }
        }

        var (test, testRows, pixels) = Mnist.ReadImages(Path.Combine(Mnist.FindDirectory(mnist), Mnist.TestImages));
        var architecture = EpochHarness.CaseArchitecture();
        var timer = new SampleTimer(samples, minSampleSeconds: 0.05, warmupCalls: 2);
        foreach (bool sparse in route switch { "sparse" => new[] { true }, "dense" => [false], _ => [true, false] })
        {
            var network = AutoencoderNetwork.Create(architecture, AutoencoderCase.Seed);
            network.Layers.UsesSparseInput = sparse;
            var cache = network.CreateCache(batch);
            var context = LayerContext.Inference(threads);
            var reconstruction = new float[test.Length];
            void InferAll()
            {
                for (int start = 0; start < testRows; start += batch)
                {
                    int rows = Math.Min(batch, testRows - start);
                    network.Reconstruct(cache, test.AsSpan(start * pixels, rows * pixels), reconstruction.AsSpan(start * pixels, rows * pixels), rows, context);
                }
            }

            double seconds = timer.MedianSecondsPerCall(InferAll);
            string name = sparse ? "ae_inference_rows_per_second" : "ae_inference_rows_per_second_dense_input";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name} {testRows / seconds:F0} rows/s ({threads}t, batch {batch}, checksum {Checksum(reconstruction):G6})"));
            if (layers) PrintLayers(network, cache, test, pixels, batch, context, timer);
        }
        return 0;
    }

    /// <summary>Each layer pair (dense + activation) run alone over one full batch from the cache, microseconds per call.</summary>
    private static void PrintLayers(AutoencoderNetwork network, ActivationCache cache, float[] test, int pixels, int batch, LayerContext context, SampleTimer timer)
    {
        test.AsSpan(0, batch * pixels).CopyTo(network.Input(cache, batch));
        network.Forward(cache, batch, context);
        int count = network.Layers.Layers.Count;
        for (int layer = 0; layer < count; layer += 2)
        {
            int from = layer, to = Math.Min(count, layer + 2);
            double seconds = timer.MedianSecondsPerCall(() => network.Layers.Forward(cache, batch, context, from, to));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  layers [{from}, {to}) {network.Layers.Layers[from].GetType().Name} {network.Layers.SlotSize(from)}->{network.Layers.SlotSize(to)}: {seconds * 1e6:F1} us"));
        }
    }

    private static double Checksum(float[] values)
    {
        double sum = 0;
        for (int i = 0; i < values.Length; i += 97) sum += values[i];
        return sum;
    }
}
