using Microsoft.ML.Autoencoders;

namespace MnistSparseCodes;

/// <summary>What the docs compare: test cross-entropy (as Keras reports it) and how sparse the codes are.</summary>
internal static class CodeStatistics
{
    /// <summary>A code value below this counts as inactive.</summary>
    public const float NearZero = 1e-2f;

    /// <summary>
    /// Mean per-pixel binary cross-entropy of the reconstructions of <paramref name="pixels"/>, with predictions
    /// clipped to [1e-7, 1 − 1e-7] as Keras does, so the figure compares with the Keras blog's.
    /// </summary>
    public static double TestCrossEntropy(AutoencoderModel model, float[] pixels, int rows)
    {
        float[] reconstruction = model.Reconstruct(pixels, rows, Environment.ProcessorCount);
        double sum = 0;
        for (int i = 0; i < rows * model.InputSize; i++)
        {
            double p = Math.Clamp(reconstruction[i], 1e-7, 1 - 1e-7), x = pixels[i];
            sum -= x * Math.Log(p) + (1 - x) * Math.Log(1 - p);
        }
        return sum / ((double)rows * model.InputSize);
    }

    /// <summary>The mean |code| value and the share of code values below <see cref="NearZero"/> in magnitude.</summary>
    public static (double MeanActivation, double NearZeroShare) Sparsity(AutoencoderModel model, float[] pixels, int rows)
    {
        float[] codes = model.Encode(pixels, rows, Environment.ProcessorCount);
        return (codes.Average(v => (double)Math.Abs(v)), codes.Count(v => Math.Abs(v) < NearZero) / (double)codes.Length);
    }
}
