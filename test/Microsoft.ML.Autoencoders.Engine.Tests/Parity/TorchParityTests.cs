using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Tensors;
using Microsoft.ML.Autoencoders.Engine.Tests.Convolution;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Parity;

/// <summary>
/// The engine's layers against PyTorch (fixtures from make_parity_fixtures.py) on configurations chosen to be awkward:
/// strides 2 and 3, kernels 1, 2, 5 and 7, dilation, one-sided "same" padding, explicit padding wider than the kernel,
/// channel counts 1, 3, 5 and 13, images 7×11, 13×17 and one row high, ceil-mode pooling with partial windows, average pooling whose padding counts and whose ceil mode drops a window starting in the padding, ELU, softplus, GELU, SiLU and ReLU6/Hardtanh bounds, bilinear
/// upsampling, transposed convolutions with output padding, batch norm in training and inference, LSTM and GRU with odd
/// widths and lengths, and batches of 1 and 17. Each case runs forward and backward on one thread and on two: both must
/// be within float32 rounding of PyTorch's float64 results — output, input gradient and every parameter gradient — and
/// give the same bits as each other, which every one of these layers promises (a convolution's parameter gradients too,
/// since its backward pass sums them over groups of images fixed by the batch and the machine).
/// </summary>
public class TorchParityTests(ITestOutputHelper output)
{
    /// <summary>
    /// Allowed error relative to a value plus the root mean square of all the values it is compared with: float32 sums of
    /// up to a few hundred terms, against float64, stay well inside this.
    /// </summary>
    private const double Tolerance = 1e-4;

    /// <summary>
    /// Error always allowed: every input, parameter and upstream gradient in the fixtures is of order one, so this is a few
    /// float32 roundings of the terms, left over where a result cancels to almost nothing (batch norm's input gradient
    /// with two values a channel is ε/(σ² + ε) times its terms).
    /// </summary>
    private const double AbsoluteFloor = 1e-6;

    private static readonly string[] Families =
        [
            "conv2d", "conv_transpose2d", "max_pool2d", "upsample2d", "batch_norm2d", "conv1d", "conv_transpose1d", "lstm", "gru",
            "avg_pool2d", "elu", "softplus", "gelu", "silu", "clipped_linear",
        ];

    /// <summary>Every case of every fixture, by family and index, so a failure names its case.</summary>
    public static TheoryData<string, int> Cases
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (string family in Families)
                for (int i = 0; i < TorchParityCase.Load(family).Count; i++) data.Add(family, i);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Layer_MatchesPyTorch_OnOneAndTwoThreads(string family, int index)
    {
        var c = TorchParityCase.Load(family)[index];
        var spec = c.Spec;
        var layer = spec.Build(TestContexts.Build("layer", c.InputShape, spec.InferOutputShape(c.InputShape)));
        var store = new ParameterStore(layer.Parameters);
        Assert.Equal(c.Parameters.Length, layer.Parameters.Count);

        Run? first = null;
        foreach (int threads in new[] { 1, 2 })
        {
            var run = Execute(layer, store, c, threads);
            var failures = new List<string>();
            Compare($"y ({threads} thread(s))", c.Y, run.Y, failures);
            Compare($"dx ({threads} thread(s))", c.Dx, run.Dx, failures);
            for (int p = 0; p < layer.Parameters.Count; p++)
                Compare($"d{layer.Parameters[p].Name} ({threads} thread(s))", c.ParameterGradients[p], run.Gradients[p], failures);
            if (c.BuffersAfter is { } buffers)
            {
                // The buffers are the layer's last parameters (batch norm's running mean and variance).
                int firstBuffer = layer.Parameters.Count - buffers.Length;
                for (int b = 0; b < buffers.Length; b++)
                    Compare($"{layer.Parameters[firstBuffer + b].Name} after ({threads} thread(s))", buffers[b], run.Values[firstBuffer + b], failures);
            }
            Assert.True(failures.Count == 0, $"{family} '{c.Name}':{Environment.NewLine}{string.Join(Environment.NewLine, failures)}");

            if (first is null)
            {
                first = run;
                continue;
            }
            Assert.Equal(first.Y, run.Y);
            Assert.Equal(first.Dx, run.Dx);
            for (int p = 0; p < run.Values.Length; p++) Assert.Equal(first.Values[p], run.Values[p]);
            for (int p = 0; p < run.Gradients.Length; p++) Assert.Equal(first.Gradients[p], run.Gradients[p]);
        }
    }

    private sealed record Run(float[] Y, float[] Dx, float[][] Gradients, float[][] Values);

    /// <summary>
    /// One forward and backward pass from the case's parameters, gradients cleared and scratch full of NaNs (the layer
    /// must write whatever it reads); returns the output, input gradient, parameter gradients and parameter values after.
    /// </summary>
    private static Run Execute(Layer layer, ParameterStore store, TorchParityCase c, int threads)
    {
        for (int p = 0; p < c.Parameters.Length; p++) c.Parameters[p].CopyTo(layer.Parameters[p].Values);
        store.ZeroGradients();
        var context = new LayerContext(Training: c.Training, Threads: threads);
        float[] y = TestData.Filled(c.Batch * layer.OutputSize, float.NaN);
        float[] scratch = TestData.Filled(c.Batch * layer.ScratchSizePerSample, float.NaN);
        layer.Forward(c.X, y, scratch, c.Batch, context);
        float[] dx = new float[c.X.Length];
        layer.Backward(c.X, y, c.Dy, dx, scratch, c.Batch, context);
        return new Run(y, dx,
            layer.Parameters.Select(p => p.Gradients.ToArray()).ToArray(),
            layer.Parameters.Select(p => p.Values.ToArray()).ToArray());
    }

    private void Compare(string what, double[] expected, float[] actual, List<string> failures)
    {
        if (expected.Length != actual.Length)
        {
            failures.Add($"{what}: {actual.Length} values, PyTorch has {expected.Length}");
            return;
        }
        double rms = expected.Length == 0 ? 0 : Math.Sqrt(expected.Sum(e => e * e) / expected.Length);
        double maxAbs = 0, maxRel = 0, maxPlainRel = 0;
        int worst = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            double relative = Math.Max(error - AbsoluteFloor, 0) / (Math.Abs(expected[i]) + rms + 1e-30);
            if (!(relative <= maxRel) || double.IsNaN(actual[i]))
            {
                maxRel = double.IsNaN(actual[i]) ? double.PositiveInfinity : relative;
                worst = i;
            }
            maxAbs = Math.Max(maxAbs, error);
            maxPlainRel = Math.Max(maxPlainRel, error / (Math.Abs(expected[i]) + rms + 1e-30));
        }
        output.WriteLine($"{what}: max abs {maxAbs:E2}, max rel {maxPlainRel:E2} (beyond the floor {maxRel:E2}) over {expected.Length} values");
        if (maxRel > Tolerance)
            failures.Add($"{what}: value {worst} is {actual[worst]}, PyTorch {expected[worst]} (max abs error {maxAbs:E2}, rel {maxRel:E2})");
    }
}
