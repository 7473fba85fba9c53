namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// The MNIST autoencoder every framework trains: 784-256-64-256-784, ReLU after every hidden layer (the 64-wide
/// code included), sigmoid output, MSE (mean over all elements), Adam with learning rate 1e-3, batch 256,
/// rows shuffled every epoch. Each framework keeps its own default weight initialization.
/// pytorch_bench.py builds the same network.
/// </summary>
public static class AutoencoderCase
{
    public const int InputSize = 784;
    public static readonly int[] HiddenSizes = [256];
    public const int CodeSize = 64;
    public const float LearningRate = 1e-3f;
    public const int Seed = 42;

    /// <summary>Mean over all elements of (reconstruction - input)², accumulated in double.</summary>
    public static double MeanSquaredError(ReadOnlySpan<float> reconstruction, ReadOnlySpan<float> input)
    {
        double sum = 0;
        for (int i = 0; i < input.Length; i++)
        {
            double d = reconstruction[i] - input[i];
            sum += d * d;
        }
        return sum / input.Length;
    }
}
