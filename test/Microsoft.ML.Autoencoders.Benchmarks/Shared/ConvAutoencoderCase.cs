namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// The convolutional autoencoder every framework trains (issue 12's speed case): the Keras blog's MNIST network,
/// Conv16-Pool-Conv8-Pool-Conv8-Pool(ceil: 7 → 4) → Conv8-Up-Conv8-Up-Conv16(valid)-Up-Conv1, 3×3 kernels, ReLU
/// after every convolution but the last, sigmoid output, binary cross-entropy (mean over all pixels), Adam with
/// learning rate 1e-3, batch 128, rows shuffled every epoch; a code of 8×4×4. pytorch_bench.py builds the same network.
/// Two epochs are trained (the first warms up); the figure is the second one's time.
/// </summary>
public static class ConvAutoencoderCase
{
    public const int BatchSize = 128;
    public const float LearningRate = 1e-3f;
    public const int Epochs = 2;

    /// <summary>Mean binary cross-entropy over all pixels, the reconstruction clamped to [1e-7, 1 − 1e-7], in double.</summary>
    public static double BinaryCrossEntropy(ReadOnlySpan<float> reconstruction, ReadOnlySpan<float> input)
    {
        double sum = 0;
        for (int i = 0; i < input.Length; i++)
        {
            double p = Math.Clamp(reconstruction[i], 1e-7, 1 - 1e-7);
            sum -= input[i] * Math.Log(p) + (1 - input[i]) * Math.Log(1 - p);
        }
        return sum / input.Length;
    }
}
