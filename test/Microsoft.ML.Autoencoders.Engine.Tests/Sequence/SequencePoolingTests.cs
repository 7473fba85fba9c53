using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;
using Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Sequence;

/// <summary>
/// max_pool1d and upsample1d over rows [C, L]: forward held to plain loops written from PyTorch's definitions (windows
/// clipped to the sequence, the padding never winning; ties to the first position), backward to finite differences, written
/// over or added to dx alike, the mirror of each the other, and a network of both with Conv1d held to finite differences.
/// </summary>
public class SequencePoolingTests
{
    private static readonly LayerContext Context = new(Training: true, Threads: 1);

    public static TheoryData<int, int, int, int, int, int> PoolCases => new()
    {
        // channels, length, window, stride (0: the window), padding, batch
        { 2, 8, 2, 0, 0, 3 },   // nn.MaxPool1d(2), Keras' MaxPooling1D()
        { 3, 9, 2, 0, 0, 2 },   // an odd length: the last position is read by no window
        { 2, 10, 3, 2, 1, 2 },  // nn.MaxPool1d(3, stride=2, padding=1): overlapping windows, padded ends
        { 1, 7, 4, 1, 2, 1 },   // stride 1, padding half the window
        { 2, 12, 3, 0, 0, 2 },
    };

    private static Layer Build(LayerSpec spec, TensorShape input) =>
        spec.Build(TestContexts.Build("pool", input, spec.InferOutputShape(input)));

    /// <summary>Distinct values at least 0.01 apart in random order, so no ±eps step changes a window's winner.</summary>
    private static float[] Distinct(SeededRandom random, int count)
    {
        var values = Enumerable.Range(0, count).Select(i => -1f + 0.01f * i).ToArray();
        for (int i = count - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
        return values;
    }

    [Theory]
    [MemberData(nameof(PoolCases))]
    public void MaxPool1d_Forward_MatchesTheDefinition(int c, int length, int window, int stride, int padding, int batch)
    {
        var random = new SeededRandom(3);
        var input = new TensorShape(c, length);
        var spec = new MaxPool1dSpec(window, stride, padding);
        int s = stride == 0 ? window : stride, outputLength = (length + 2 * padding - window) / s + 1;
        Assert.Equal(new TensorShape(c, outputLength), spec.InferOutputShape(input));
        var layer = Build(spec, input);
        float[] x = TestData.Uniform(random, batch * input.Size, -1f, 1f), y = new float[batch * layer.OutputSize];
        layer.Forward(x, y, new float[batch * layer.ScratchSizePerSample], batch, Context);
        for (int n = 0; n < batch; n++)
        for (int ch = 0; ch < c; ch++)
        for (int o = 0; o < outputLength; o++)
        {
            float max = float.NegativeInfinity; // PyTorch's padding
            for (int k = 0; k < window; k++)
            {
                int i = o * s + k - padding;
                if (i >= 0 && i < length) max = Math.Max(max, x[n * input.Size + ch * length + i]);
            }
            Assert.Equal(max, y[n * layer.OutputSize + ch * outputLength + o]);
        }
    }

    [Theory]
    [MemberData(nameof(PoolCases))]
    public void MaxPool1d_Backward_MatchesFiniteDifferences_WrittenOverOrAdded(int c, int length, int window, int stride, int padding, int batch)
    {
        var random = new SeededRandom(5);
        var input = new TensorShape(c, length);
        var layer = Build(new MaxPool1dSpec(window, stride, padding), input);
        AssertInputGradients(layer, Distinct(random, batch * input.Size), TestData.Uniform(random, batch * layer.OutputSize, -1f, 1f), batch);
    }

    [Fact]
    public void MaxPool1d_Tie_GoesToTheFirstPosition_AndANaNWins()
    {
        var layer = Build(new MaxPool1dSpec(3, 2, 1), new TensorShape(1, 6));
        // Windows: [pad, 0, 1], [1, 2, 3], [3, 4, 5].
        float[] x = [0.5f, 0.5f, 0.2f, 0.7f, float.NaN, 0.9f], y = new float[3], scratch = new float[3];
        layer.Forward(x, y, scratch, 1, Context);
        Assert.Equal(0.5f, y[0]);
        Assert.Equal(0.7f, y[1]);
        Assert.True(float.IsNaN(y[2]));
        float[] dx = new float[6];
        layer.Backward(x, y, [1f, 2f, 4f], dx, scratch, 1, Context);
        // Position 1 ties position 0 in the first window and loses; it alone is 0.7 in the second; the NaN takes the third.
        Assert.Equal([1f, 0f, 0f, 2f, 4f, 0f], dx);
    }

    public static TheoryData<int, int, int, int> UpsampleCases => new()
    {
        // channels, length, scale, batch
        { 2, 4, 2, 3 },
        { 3, 5, 3, 2 },
        { 1, 7, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(UpsampleCases))]
    public void Upsample1d_RepeatsEachValue_AndSumsItsGradients(int c, int length, int scale, int batch)
    {
        var random = new SeededRandom(7);
        var input = new TensorShape(c, length);
        var spec = new Upsample1dSpec(scale);
        Assert.Equal(new TensorShape(c, length * scale), spec.InferOutputShape(input));
        var layer = Build(spec, input);
        float[] x = TestData.Uniform(random, batch * input.Size, -1f, 1f), y = new float[batch * layer.OutputSize];
        layer.Forward(x, y, Span<float>.Empty, batch, Context);
        for (int n = 0; n < batch; n++)
        for (int ch = 0; ch < c; ch++)
        for (int o = 0; o < length * scale; o++)
            Assert.Equal(x[n * input.Size + ch * length + o / scale], y[n * layer.OutputSize + ch * length * scale + o]);
        AssertInputGradients(layer, x, TestData.Uniform(random, y.Length, -1f, 1f), batch);
    }

    /// <summary>dx of Σ c·y against central differences, added into zeros, then written over NaNs with the same values.</summary>
    private static void AssertInputGradients(Layer layer, float[] x, float[] coefficients, int batch)
    {
        var objective = GradientCheck.WeightedSumBackward(layer, new ParameterStore([]), x, coefficients, batch, Context, out float[] added, out float[] scratch);
        GradientCheck.AssertMatches("dx", added, GradientCheck.Numerical(x, 0, x.Length, objective), 1e-4);
        objective();
        float[] y = new float[batch * layer.OutputSize];
        layer.Forward(x, y, scratch, batch, Context);
        float[] written = TestData.Filled(x.Length, float.NaN);
        layer.Backward(x, y, coefficients, written, scratch, batch, Context with { OverwriteInputGradient = true });
        Assert.Equal(added, written);
    }

    [Fact]
    public void Mirrors_AreEachOther_ByTheStride()
    {
        var spec = NetworkSpec.Create(new TensorShape(2, 16), [new Conv1dSpec(4, 3), new MaxPool1dSpec(2), new Conv1dSpec(3, 3), new MaxPool1dSpec(3, 2, 1)]);
        Assert.Equal(new TensorShape(3, 4), spec.CodeShape);
        Assert.Equal(new Upsample1dSpec(2), spec.Decoder[0] with { Name = null, InputShape = null, OutputShape = null });
        Assert.Equal(new Upsample1dSpec(2), spec.Decoder[2] with { Name = null, InputShape = null, OutputShape = null });
        Assert.Equal(new TensorShape(2, 16), spec.Decoder[^1].OutputShape);
        var up = NetworkSpec.Create(new TensorShape(2, 4), [new Upsample1dSpec(3)]);
        Assert.Equal(new MaxPool1dSpec(3), up.Decoder[0] with { Name = null, InputShape = null, OutputShape = null });
        // 9 → 4 by windows of 2 leaves a position no upsampling by 2 gives back.
        var e = Assert.Throws<ArgumentException>(() => NetworkSpec.Create(new TensorShape(1, 9), [new MaxPool1dSpec(2)]));
        Assert.Contains("give the decoder explicitly", e.Message);
    }

    [Theory]
    [InlineData(3, 0, 2, "padding")]
    [InlineData(2, 0, 0, "sequence [channels, length]")]
    public void MaxPool1d_RefusesWhatItCannotTake(int window, int stride, int padding, string expected)
    {
        var input = expected == "padding" ? new TensorShape(1, 8) : new TensorShape(1, 4, 4);
        var e = Assert.Throws<ArgumentException>(() => new MaxPool1dSpec(window, stride, padding).InferOutputShape(input));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Spec_RoundTripsThroughJson()
    {
        var spec = NetworkSpec.Create(new TensorShape(2, 16), [new MaxPool1dSpec(3, 2, 1)], [new Upsample1dSpec(2)]);
        var read = NetworkSpec.FromJson(spec.ToJson());
        Assert.Equal(spec, read);
        Assert.Equal(["max_pool1d"], read.Encoder.Select(l => l.Kind));
        Assert.Equal(["upsample1d"], read.Decoder.Select(l => l.Kind));
    }

    /// <summary>
    /// A Conv1d autoencoder with both layers, run as chains in chunks of two rows on two threads: every parameter and input
    /// gradient against central differences of its MSE (tanh, so no kink but the pooling's within a step). The absolute
    /// tolerance is the float noise of a quotient of this loss (about 5e-5 at a step of 1e-3). Seed 11 is left out: there two
    /// values of one window lie within a step of each other, so the difference quotient straddles the pooling's kink (at a
    /// step of 1e-4 it agrees with the analytic gradient).
    /// </summary>
    [Theory]
    [InlineData(21)]
    [InlineData(31)]
    [InlineData(41)]
    public void NetworkGradients_MatchFiniteDifferences(int seed)
    {
        const int Batch = 4;
        var spec = NetworkSpec.Create(new TensorShape(2, 8),
            [new Conv1dSpec(3, 3), new ActivationSpec(Activation.Tanh), new MaxPool1dSpec(2)],
            [new Conv1dSpec(3, 3), new ActivationSpec(Activation.Tanh), new Upsample1dSpec(2), new Conv1dSpec(2, 3)]);
        var network = AutoencoderNetwork.Create(spec, seed: seed);
        var random = new SeededRandom(seed + 1);
        foreach (var parameter in network.Parameters.Parameters.Where(p => p.Role == ParameterRole.Bias))
            TestData.Uniform(random, parameter.Length, -0.3f, 0.3f).CopyTo(parameter.Values);
        network.Layers.ChainChunkRows = 2;
        float[] input = Distinct(random, Batch * 16), target = TestData.Uniform(random, Batch * 16, -1f, 1f);
        GradientCheck.AssertNetworkGradients(network, Loss.Create(LossKind.MeanSquaredError, Activation.Linear), input, target, Batch,
            new LayerContext(Training: true, Threads: 2), overwriteGradients: true, absoluteTolerance: 1e-4);
    }

    /// <summary>Rows of 2^24 values or more are refused: their maxima's positions, kept as floats, would not be exact.</summary>
    [Theory]
    [InlineData(1, 1 << 24)]
    [InlineData(2, 1 << 23)]
    [InlineData(4096, 1 << 20)] // 2^32 values: their product overflows an int
    public void MaxPool1d_RowsOfTwoToThe24ValuesOrMore_AreRefused(int channels, int length)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPool1d(channels, length, 2, 2, 0));

        Assert.Contains("exact only below 2^24", e.Message);
        _ = new MaxPool1d(1, (1 << 24) - 1, 2, 2, 0); // the largest row that fits
    }
}
