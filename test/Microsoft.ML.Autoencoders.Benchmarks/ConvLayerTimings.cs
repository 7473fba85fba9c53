using System.Diagnostics;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// Each convolution of the trained conv network, forward and backward on its own at the training batch size, as
/// GFLOP/s (2·F·C·kh·kw·Ho·Wo per image forward; twice that backward, once for the first layer, which needs no input
/// gradient; timed here adding into dx, where the training step lets the layer write it over). The FMA peak to divide
/// them by is the kernel suite's <c>fma_peak_v512_{threads}t</c> (<c>_v256_</c> where Vector512 is not accelerated, and not measured).
/// </summary>
public static class ConvLayerTimings
{
    public static void Run(BenchSettings settings, AutoencoderNetwork network, float[] images, int rows, int batch, int threads, BenchReport report)
    {
        batch = Math.Min(batch, rows);
        var layers = network.Layers.Layers;
        var cache = network.CreateCache(batch, forTraining: true);
        images.AsSpan(0, batch * network.InputSize).CopyTo(network.Input(cache, batch));
        var context = new LayerContext(Training: true, Threads: threads);
        network.Forward(cache, batch, context);
        var random = new Random(1);
        for (int slot = 1; slot <= layers.Count; slot++)
        {
            var gradient = cache.Gradients(slot, batch);
            for (int i = 0; i < gradient.Length; i++) gradient[i] = (float)(random.NextDouble() - 0.5) * 1e-3f;
        }

        int repetitions = settings.Mode == BenchMode.Dry ? 1 : 20;
        for (int l = 0, index = 0; l < layers.Count; l++)
        {
            if (layers[l] is not Conv2d conv) continue;
            double flops = 2.0 * conv.Filters * conv.Geometry.PatchSize * conv.Geometry.OutputPositions * batch;
            double forward = Best(repetitions, () => conv.Forward(cache.Values(l, batch), cache.Values(l + 1, batch), cache.Scratch(l, batch), batch, context));
            bool needsInputGradient = l > 0;
            double backward = Best(repetitions, () => conv.Backward(cache.Values(l, batch), cache.Values(l + 1, batch), cache.Gradients(l + 1, batch),
                needsInputGradient ? cache.Gradients(l, batch) : Span<float>.Empty, cache.Scratch(l, batch), batch, context));
            var g = conv.Geometry;
            string shape = $"{g.Channels}→{conv.Filters} on {g.Height}×{g.Width}, {(conv.IsDirect ? "direct" : "im2col+GEMM")}, batch {batch}";
            report.Add($"conv_layer{index}_forward_gflops", "GFLOP/s", flops / forward / 1e9, "higher", shape);
            report.Add($"conv_layer{index}_backward_gflops", "GFLOP/s", (needsInputGradient ? 2 : 1) * flops / backward / 1e9, "higher", shape);
            index++;
        }
        network.Parameters.ZeroGradients();
    }

    /// <summary>The fastest of <paramref name="repetitions"/> calls after one warm-up, in seconds.</summary>
    private static double Best(int repetitions, Action call)
    {
        call();
        double best = double.MaxValue;
        for (int r = 0; r < repetitions; r++)
        {
            long start = Stopwatch.GetTimestamp();
            call();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return best;
    }
}
