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

    /// <summary>
    /// x·Φ(x) and Φ(x) + x·φ(x) at 50 digits in Python's mpmath (ncdf and npdf), printed to 17 significant digits.
    /// Far left the true values are tiny; left of −14.36 the value rounds to −0 in float, and left of −14.54 the
    /// slope does.
    /// </summary>
    public static TheoryData<float, double, double> GeluReferences => new()
    {
        { -3f, -4.0496940948902836e-3, -1.1945647204183927e-2 },
        { -5f, -1.4332578593959696e-6, -7.1469460017922946e-6 },
        { -5.5f, -1.0444259356238246e-7, -5.7334723987399248e-7 },
        { -7f, -8.958687807200845e-12, -6.2663230314666318e-11 },
        { -9f, -1.0157295653584566e-18, -9.1389373739066393e-18 },
        { -10f, -7.6198530241605261e-23, -7.6184000964648141e-22 },
        { -12f, -2.1317785344932148e-32, -2.5578956616748956e-31 },
        { -13f, -7.9523137194148436e-38, -1.0337304440113356e-36 },
        { -14f, -1.091095154686992e-43, -1.527455646325367e-42 },
        { -20f, -5.5072482372124674e-88, -1.1014360483133464e-86 },
        { -30f, -1.4720141781444561e-196, -4.4160316907084944e-195 },
        { 0.5f, 3.4573123063700655e-1, 8.6749512465616284e-1 },
        { 1f, 8.4134474606854295e-1, 1.0833154705876863 },
        { 2.5f, 2.4844758366855597, 1.0376110859081452 },
        { 4f, 3.9998733150326675, 1.0005036496612264 },
    };

    /// <summary>
    /// Value and slope within one float ulp of the true ones over the whole range, denormals and −0 included: left of
    /// about −5, 1 + erf cancels and would leave only rounding noise, then 0.
    /// </summary>
    [Theory]
    [MemberData(nameof(GeluReferences))]
    public void GeluIsWithinAFloatUlpOfTheTrueValueFarLeft(float x, double value, double slope)
    {
        var layer = new GeluLayer(1);
        AssertWithinOneUlp((float)value, layer.ValueAt(x), $"gelu({x})");
        AssertWithinOneUlp((float)slope, layer.SlopeAt(x), $"gelu'({x})");
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

    /// <summary>
    /// Adjacent floats, or the same one; a value that rounds to zero must be the zero of its sign. Distances in bits, on
    /// a line that runs through ±0 (sign-magnitude turned into an ordered integer).
    /// </summary>
    private static void AssertWithinOneUlp(float expected, float actual, string what)
    {
        static long Ordered(float f)
        {
            int bits = BitConverter.SingleToInt32Bits(f);
            return bits < 0 ? -(long)(bits & int.MaxValue) : bits;
        }

        string message = $"{what}: expected {expected:G9}, got {actual:G9}.";
        Assert.True(Math.Abs(Ordered(expected) - Ordered(actual)) <= 1, message);
        if (expected == 0) Assert.True(float.IsNegative(expected) == float.IsNegative(actual), message);
    }

    private static void AssertClose(double expected, float actual, string what, double tolerance = 2e-7)
    {
        double allowed = tolerance * Math.Max(1, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= allowed, $"{what}: expected {expected:G9}, got {actual:G9}.");
    }
}
