using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// The GELU and SiLU layers (brought by imported ONNX networks) against references in double computed another way: Φ by
/// integrating the normal density numerically rather than by the layer's erf series, the slopes by central differences
/// of those references. Also the bits of each value in any span, and training-time gradients of a conv network run in
/// chunks on two threads against finite differences.
/// </summary>
public sealed class GeluAndSiluLayerTests
{
    private static readonly float[] Inputs = [-200f, -40f, -9f, -5f, -2.5f, -0.75f, -1e-3f, 0f, 2e-4f, 0.3f, 1f, 2.2f, 4.9f, 8f, 50f, 300f];

    public static TheoryData<Activation> Kinds => new() { Activation.Gelu, Activation.Silu };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ValuesAndSlopesMatchIndependentReferences(Activation kind)
    {
        var layer = SelfGatedActivationLayer.Create(kind, Inputs.Length)!;
        var y = new float[Inputs.Length];

        layer.Apply(Inputs, y);

        Assert.Equal(kind, layer.Kind);
        for (int i = 0; i < Inputs.Length; i++)
        {
            double x = Inputs[i];
            double value = Reference(kind, x);
            double h = 1e-4 * Math.Max(1, Math.Abs(x));
            double slope = (Reference(kind, x + h) - Reference(kind, x - h)) / (2 * h);
            AssertClose(value, y[i], $"f({x})");
            AssertClose(slope, layer.SlopeAt(Inputs[i]), $"f'({x})", tolerance: 1e-6);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EachValueHasTheSameBitsInAnySpan(Activation kind) =>
        ElementwiseLayerChecks.AssertEachValueHasTheSameBitsInAnySpan(SelfGatedActivationLayer.Create(kind, Inputs.Length)!, Inputs);

    [Fact]
    public void SpecBuildsTheLayerThatReadsItsInput()
    {
        // Not an ActivationLayer: those give their slope from y, which a dense layer or convolution below folds in.
        Assert.IsType<GeluLayer>(new ActivationSpec(Activation.Gelu).Build(new LayerBuildContext("gelu", new TensorShape(5), new TensorShape(5), null, new Dictionary<string, Layer>())));
        Assert.IsType<SiluLayer>(new ActivationSpec(Activation.Silu).Build(new LayerBuildContext("silu", new TensorShape(5), new TensorShape(5), null, new Dictionary<string, Layer>())));
    }

    /// <summary>
    /// A conv autoencoder with GELU and SiLU after convolutions, chained in chunks of two images on two threads: every
    /// parameter and input gradient against central differences.
    /// </summary>
    [Fact]
    public void ChainedConvGradients_MatchFiniteDifferences() =>
        Convolution.SampleParallelChainTests.AssertChainedConvGradients(Activation.Gelu, Activation.Silu, seed: 61);

    /// <summary>x·Φ(x) with Φ integrated by Simpson's rule, or x·σ(x), in double.</summary>
    private static double Reference(Activation kind, double x) => kind switch
    {
        Activation.Gelu => x * NormalCdfByQuadrature(x),
        Activation.Silu => x / (1 + Math.Exp(-x)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Φ(x) = 1/2 ± ∫₀^|x| φ, Simpson's rule on 4000 panels (error far below float's), 0 or 1 beyond ±40.</summary>
    private static double NormalCdfByQuadrature(double x)
    {
        if (x < -40) return 0;
        if (x > 40) return 1;
        double a = Math.Abs(x);
        const int Panels = 4000;
        double h = a / Panels, sum = 0;
        for (int i = 0; i <= Panels; i++)
        {
            double weight = i == 0 || i == Panels ? 1 : i % 2 == 1 ? 4 : 2;
            double t = i * h;
            sum += weight * Math.Exp(-0.5 * t * t);
        }
        double integral = sum * h / 3 / Math.Sqrt(2 * Math.PI);
        return x < 0 ? 0.5 - integral : 0.5 + integral;
    }

    private static void AssertClose(double expected, float actual, string what, double tolerance = 2e-7)
    {
        double allowed = tolerance * Math.Max(1, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= allowed, $"{what}: expected {expected:G9}, got {actual:G9}.");
    }
}
