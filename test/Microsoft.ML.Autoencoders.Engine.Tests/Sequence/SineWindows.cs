namespace Microsoft.ML.Autoencoders.Engine.Tests.Sequence;

/// <summary>
/// Windows [steps, channels] of sine waves with a random phase each (channel c shifted a further c·π/2), plus Gaussian
/// noise: a family with one degree of freedom that a working sequence autoencoder squeezes through a small code, and whose
/// clean variance (½) is what reconstructing nothing scores.
/// </summary>
internal static class SineWindows
{
    /// <summary>The variance of the clean signal: sin² averages ½.</summary>
    public const double SignalVariance = 0.5;

    /// <summary>The noisy windows, row after row, and the same windows without noise.</summary>
    public static (float[] Noisy, float[] Clean) Create(int rows, int steps, int channels, double period, double noise, long seed)
    {
        var random = new SeededRandom(seed);
        var noisy = new float[rows * steps * channels];
        var clean = new float[noisy.Length];
        for (int n = 0; n < rows; n++)
        {
            double phase = random.NextFloat() * 2 * Math.PI;
            for (int t = 0; t < steps; t++)
            for (int c = 0; c < channels; c++)
            {
                int at = (n * steps + t) * channels + c;
                clean[at] = (float)Math.Sin(2 * Math.PI * t / period + phase + c * Math.PI / 2);
                noisy[at] = clean[at] + (float)(noise * random.NextGaussian());
            }
        }
        return (noisy, clean);
    }
}
