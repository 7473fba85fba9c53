using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Sequence;

/// <summary>
/// A 1-D convolution written from its definition, in doubles: output o of filter f reads input o·stride + k·dilation − left
/// for each tap k, zero outside the sequence. Every padding (same, valid, explicit, causal, per side) is only its left pad here.
/// </summary>
internal static class Conv1dDefinition
{
    /// <summary>Holds <paramref name="y"/>, the layer's forward pass of <paramref name="x"/>, to the definition within 1e-5.</summary>
    public static void AssertForward(Conv1d layer, TensorShape input, int kernel, int stride, int dilation, int left, ReadOnlySpan<float> x, ReadOnlySpan<float> y, int batch)
    {
        int c = input[0], length = input[1], filters = layer.Plane.Bias.Length, outputLength = layer.OutputSize / filters;
        ReadOnlySpan<float> w = layer.Plane.Weights.Values, b = layer.Plane.Bias.Values; // W [F, C, 1, k]
        for (int n = 0; n < batch; n++)
        for (int f = 0; f < filters; f++)
        for (int o = 0; o < outputLength; o++)
        {
            double sum = b[f];
            for (int ch = 0; ch < c; ch++)
            for (int k = 0; k < kernel; k++)
            {
                int i = o * stride + k * dilation - left;
                if (i >= 0 && i < length) sum += w[(f * c + ch) * kernel + k] * x[n * input.Size + ch * length + i];
            }
            float actual = y[n * layer.OutputSize + f * outputLength + o];
            Assert.True(Math.Abs(actual - sum) <= 1e-5 * (1 + Math.Abs(sum)), $"n {n} f {f} o {o}: {actual} vs {sum}");
        }
    }
}
