namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The standard normal distribution's Φ and φ in double, for GELU (x·Φ(x)): .NET has no erf, and a float one would
/// round the small values GELU takes far left to 0 from about x = −4. Φ through 1 + erf still cancels for x below −5
/// (see <see cref="Layers.GeluLayer"/>); an erfc would be needed to keep those tiny values' digits. Scalar and branch-free of the caller's span, so each value has the same
/// bits wherever it is computed.
/// </summary>
internal static class StandardNormal
{
    private const double TwoOverRootPi = 1.1283791670955126; // 2/√π
    private const double OneOverRootTwo = 0.70710678118654752; // 1/√2
    private const double OneOverRootTwoPi = 0.3989422804014327; // 1/√(2π)

    /// <summary>
    /// Beyond this |z|, erf(z) is ±1 in double: erfc(6) ≈ 2e-17 is under half of double's spacing at 1. The series
    /// below then also stays short (its terms start shrinking once n passes z²).
    /// </summary>
    private const double Saturation = 6.0;

    /// <summary>Φ(x) = (1 + erf(x/√2)) / 2.</summary>
    public static double Cdf(double x) => 0.5 * (1 + Erf(x * OneOverRootTwo));

    /// <summary>φ(x) = e^(−x²/2) / √(2π).</summary>
    public static double Density(double x) => OneOverRootTwoPi * Math.Exp(-0.5 * x * x);

    /// <summary>
    /// erf(z) = (2/√π)·e^(−z²)·Σ 2ⁿ·z^(2n+1) / (1·3·…·(2n+1)): every term has z's sign, so unlike the alternating
    /// Taylor series nothing cancels and the sum keeps double's precision up to |z| = 6.
    /// </summary>
    public static double Erf(double z)
    {
        if (double.IsNaN(z)) return z;
        double a = Math.Abs(z);
        if (a >= Saturation) return Math.Sign(z);
        double twiceSquare = 2 * a * a, term = a, sum = a;
        for (int n = 0; term > 1e-17 * sum; n++)
        {
            term *= twiceSquare / (2 * n + 3);
            sum += term;
        }
        double erf = TwoOverRootPi * Math.Exp(-a * a) * sum;
        return z < 0 ? -erf : erf;
    }
}
