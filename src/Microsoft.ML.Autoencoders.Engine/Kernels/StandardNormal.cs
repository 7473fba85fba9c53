using System.Diagnostics;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The standard normal distribution's Φ and φ in double, for GELU (x·Φ(x)): .NET has neither erf nor erfc, and a float
/// one would round the small values GELU takes far left to 0 from about x = −4. Scalar and branch-free of the caller's
/// span, so each value has the same bits wherever it is computed.
/// </summary>
internal static class StandardNormal
{
    private const double TwoOverRootPi = 1.1283791670955126; // 2/√π
    private const double OneOverRootPi = 0.56418958354775629; // 1/√π
    private const double OneOverRootTwo = 0.70710678118654752; // 1/√2
    private const double OneOverRootTwoPi = 0.3989422804014327; // 1/√(2π)
    private const double RootHalfPi = 1.2533141373155003; // √(π/2)

    /// <summary>
    /// Beyond this |z|, erf(z) is ±1 in double: erfc(6) ≈ 2e-17 is under half of double's spacing at 1. The series
    /// below then also stays short (its terms start shrinking once n passes z²).
    /// </summary>
    private const double Saturation = 6.0;

    /// <summary>
    /// Below this x, Φ is taken from the lower tail rather than from 1 + erf: Φ(−3) ≈ 1.3e-3, so the sum has already
    /// lost about three of double's digits there, and it loses all of them by x ≈ −8.5 (erf = −1 in double).
    /// </summary>
    private const double LowerTailStart = -3.0;

    /// <summary>Where <see cref="ScaledErfc"/>'s far-tail form takes over from its middle one (Cody's split).</summary>
    private const double FarTailStart = 4.0;

    // W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969) 631–637, with the
    // coefficients as he tabulated them for IEEE double in SPECFUN (ACM TOMS Algorithm 715, 1993). Highest degree
    // first; denominators are monic. Middle interval, 0.46875 ≤ z ≤ 4: erfcx(z) = P(z)/Q(z), degree 8 over 8.
    private static readonly double[] MiddleNumerator =
    [
        2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e0, 6.61191906371416295e1,
        2.98635138197400131e2, 8.81952221241769090e2, 1.71204761263407058e3, 2.05107837782607147e3,
        1.23033935479799725e3,
    ];

    private static readonly double[] MiddleDenominator =
    [
        1.0, 1.57449261107098347e1, 1.17693950891312499e2, 5.37181101862009858e2, 1.62138957456669019e3,
        3.29079923573345963e3, 4.36261909014324716e3, 3.43936767414372164e3, 1.23033935480374942e3,
    ];

    // Far interval, z ≥ 4, in s = 1/z²: z·erfcx(z) = 1/√π − s·P(s)/Q(s), degree 5 over 5.
    private static readonly double[] FarNumerator =
    [
        1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
        1.60837851487422766e-2, 6.58749161529837803e-4,
    ];

    private static readonly double[] FarDenominator =
    [
        1.0, 2.56852019228982242e0, 1.87295284992346047e0, 5.27905102951428412e-1, 6.05183413124413191e-2,
        2.33520497626869185e-3,
    ];

    /// <summary>
    /// Φ(x): (1 + erf(x/√2)) / 2, and below x = −3, where that sum cancels, φ(x)·√(π/2)·erfcx(−x/√2), which is
    /// erfc(−x/√2) / 2 with a relative error of a few double ulps until φ underflows (x ≈ −38.6) and Φ is 0. The scaled
    /// erfc leaves the e^(−x²/2) to φ, whose x·x is exact for a float x.
    /// </summary>
    public static double Cdf(double x) => x < LowerTailStart
        ? Density(x) * RootHalfPi * ScaledErfc(-x * OneOverRootTwo)
        : 0.5 * (1 + Erf(x * OneOverRootTwo));

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

    /// <summary>
    /// erfcx(z) = e^(z²)·erfc(z) for z ≥ 0.46875 (the tail <see cref="Cdf"/> needs), by Cody's rational approximations;
    /// within 1e-15 relative of the true value (checked against 50-digit values over [0.47, 20.5] and beyond). Falls
    /// like 1/(z√π), and is 0 at +∞.
    /// </summary>
    public static double ScaledErfc(double z)
    {
        Debug.Assert(z >= 0.46875, "Cody's middle and far intervals start at 0.46875.");
        if (z <= FarTailStart) return Polynomial(MiddleNumerator, z) / Polynomial(MiddleDenominator, z);
        double s = 1 / (z * z);
        return (OneOverRootPi - s * Polynomial(FarNumerator, s) / Polynomial(FarDenominator, s)) / z;
    }

    /// <summary>Σ cᵢ·t^(n−i) by Horner's rule, <paramref name="coefficients"/> highest degree first.</summary>
    private static double Polynomial(double[] coefficients, double t)
    {
        double sum = coefficients[0];
        for (int i = 1; i < coefficients.Length; i++) sum = sum * t + coefficients[i];
        return sum;
    }
}
