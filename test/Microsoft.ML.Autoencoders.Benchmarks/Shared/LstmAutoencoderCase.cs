namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// The LSTM autoencoder every framework trains (issue 16's speed case): windows of 64 steps of one channel, an LSTM of
/// 64 units whose last hidden state a linear layer maps to a code of 16, the code repeated for every step, an LSTM of 64
/// units over the steps and a linear layer per step back to the channel; MSE, Adam with learning rate 1e-3, batch 128,
/// windows shuffled every epoch, each framework with its own default initialization. Two epochs are trained (the first
/// warms up); the figure is the second one's windows per second. pytorch_bench.py builds the same network and the same
/// windows.
/// </summary>
public static class LstmAutoencoderCase
{
    public const int Window = 64;
    public const int Channels = 1;
    public const int HiddenUnits = 64;
    public const int CodeSize = 16;
    public const int BatchSize = 128;
    public const float LearningRate = 1e-3f;
    public const int Epochs = 2;

    /// <summary>How many windows an epoch holds in each mode (pytorch_bench.py's MODES table repeats these).</summary>
    public static int Windows(BenchMode mode) => mode switch
    {
        BenchMode.Full => 8192,
        BenchMode.Quick => 2048,
        _ => 256,
    };

    /// <summary>
    /// The windows, row after row: window n is sin(2π·t/p + φ) + 0.1·sin(2.3·t + n) with period p = 16 + (7n mod 32) steps and
    /// phase φ = 2π·frac(0.6180339887·n). A formula rather than a generator, so the Python peer builds the same values.
    /// </summary>
    public static float[] Data(int windows)
    {
        var data = new float[windows * Window * Channels];
        for (int n = 0; n < windows; n++)
        {
            double period = 16 + 7 * n % 32;
            double phase = 2 * Math.PI * (0.6180339887 * n % 1.0);
            for (int t = 0; t < Window; t++)
                data[n * Window + t] = (float)(Math.Sin(2 * Math.PI * t / period + phase) + 0.1 * Math.Sin(2.3 * t + n));
        }
        return data;
    }
}
