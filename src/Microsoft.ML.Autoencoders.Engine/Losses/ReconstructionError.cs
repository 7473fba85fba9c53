namespace Microsoft.ML.Autoencoders.Engine.Losses;

/// <summary>Per-row reconstruction errors, the numbers that scoring reports for each row.</summary>
public static class ReconstructionError
{
    /// <summary>mean((x - r)²) over one row.</summary>
    public static float MeanSquared(ReadOnlySpan<float> input, ReadOnlySpan<float> reconstruction)
    {
        if (input.Length != reconstruction.Length) throw new ArgumentException("Input and reconstruction lengths differ.");
        if (input.Length == 0) return 0;
        double sum = 0;
        for (int i = 0; i < input.Length; i++)
        {
            float d = input[i] - reconstruction[i];
            sum += d * d;
        }
        return (float)(sum / input.Length);
    }
}
