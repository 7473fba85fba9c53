using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Kernels;

/// <summary>
/// <see cref="StandardNormal"/>'s scaled erfc and lower tail against values computed with 50 digits in Python's mpmath
/// (erfc(z)·exp(z²) and ncdf(x), printed to 17 significant digits).
/// </summary>
public class StandardNormalTests
{
    public static TheoryData<double, double> ScaledErfcValues => new()
    {
        { 0.5, 6.1569034419292587e-1 },
        { 1, 4.27583576155807e-1 },
        { 2.5, 2.1080636406114358e-1 },
        { 4, 1.3699945762506139e-1 },
        { 4.5, 1.2248480427384142e-1 },
        { 10, 5.6140992743822586e-2 },
        { 50, 1.1281536265323773e-2 },
        { 1e6, 5.6418958354747419e-7 },
    };

    [Theory]
    [MemberData(nameof(ScaledErfcValues))]
    public void ScaledErfcIsWithinAFewDoubleUlps(double z, double expected) =>
        Assert.True(Math.Abs(StandardNormal.ScaledErfc(z) - expected) <= 2e-15 * expected,
            $"erfcx({z}): expected {expected:R}, got {StandardNormal.ScaledErfc(z):R}.");

    public static TheoryData<double, double> LowerTailValues => new()
    {
        { -4, 3.1671241833119921e-5 },
        { -7, 1.279812543885835e-12 },
        { -10, 7.6198530241605261e-24 },
        { -30, 4.9067139271481871e-198 },
    };

    /// <summary>Φ keeps its relative precision where 1 + erf loses digits (1 + erf in double is 0 from about −8.5).</summary>
    [Theory]
    [MemberData(nameof(LowerTailValues))]
    public void CdfKeepsItsDigitsInTheLowerTail(double x, double expected) =>
        Assert.True(Math.Abs(StandardNormal.Cdf(x) - expected) <= 4e-15 * expected,
            $"Φ({x}): expected {expected:R}, got {StandardNormal.Cdf(x):R}.");
}
