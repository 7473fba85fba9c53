using Microsoft.ML.Autoencoders.Engine.Layers;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// The ELU and softplus layers (brought by imported ONNX networks) against their closed forms in double: the values, the
/// slope written from the output y (what backward and the tangent pass read) and how that slope changes with y (the
/// contractive penalty's gradient), across the saturating, linear and overflow-prone ranges.
/// </summary>
public sealed class EluAndSoftplusLayerTests
{
    private static readonly float[] Inputs = [-100f, -30f, -8f, -5f, -2f, -0.5f, -1e-3f, -1e-6f, -1e-9f, 0.25f, 1f, 3f, 20f, 90f, 200f];

    public static TheoryData<Activation> Kinds => new() { Activation.Elu, Activation.Softplus };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ValuesAndSlopesMatchTheClosedForm(Activation kind)
    {
        var layer = ActivationLayer.Create(kind, Inputs.Length)!;
        var y = new float[Inputs.Length];

        layer.Apply(Inputs, y);

        Assert.Equal(kind, layer.Kind);
        for (int i = 0; i < Inputs.Length; i++)
        {
            double x = Inputs[i];
            var (value, slope, slopeChange) = Exact(kind, x);
            AssertClose(value, y[i], $"f({x})", relativeForTinyValues: true);
            // From y a float slope can be no closer than y's rounding allows: ELU's y + 1 at y ≈ −1 loses e^x below ~1e-7.
            // Softplus' slope σ(x) is small on the left and is held relatively there.
            AssertClose(slope, layer.DerivativeAt(y[i]), $"f'({x}) from y", relativeForTinyValues: kind == Activation.Softplus);
            AssertClose(slopeChange, layer.DerivativeChangeAt(y[i]), $"df'/dy at {x}", relativeForTinyValues: false);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EachValueHasTheSameBitsInAnySpan(Activation kind) =>
        ElementwiseLayerChecks.AssertEachValueHasTheSameBitsInAnySpan(ActivationLayer.Create(kind, Inputs.Length)!, Inputs);

    /// <summary>f(x), f'(x) and d f'/dy = f''(x) / f'(x) in double.</summary>
    private static (double Value, double Slope, double SlopeChange) Exact(Activation kind, double x) => kind switch
    {
        Activation.Elu => x > 0 ? (x, 1, 0) : (Math.Exp(x) - 1, Math.Exp(x), 1),
        // softplus' = σ(x), softplus'' = σ(x)(1 − σ(x)), so d f'/dy = 1 − σ(x) = e^−y.
        Activation.Softplus => (Math.Max(x, 0) + LogOnePlus(Math.Exp(-Math.Abs(x))), 1 / (1 + Math.Exp(-x)), 1 / (1 + Math.Exp(x))),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>ln(1 + u) in double, through three terms of its series where 1 + u would round u away.</summary>
    private static double LogOnePlus(double u) => u < 1e-4 ? u - u * u / 2 + u * u * u / 3 : Math.Log(1 + u);

    private static void AssertClose(double expected, float actual, string what, bool relativeForTinyValues)
    {
        double tolerance = 2e-6 * Math.Max(1, Math.Abs(expected));
        // Small values (ELU just left of 0, softplus and its slope far left: 9e-14 at −30) are held relatively, so a result
        // that lost its digits to cancellation or rounded to 0 would fail; below float's normal range (e^−100) only to the
        // subnormal spacing.
        if (relativeForTinyValues && Math.Abs(expected) < 1e-2) tolerance = Math.Max(2e-6 * Math.Abs(expected), 1e-44);
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected:G9}, got {actual:G9}.");
    }
}
