namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// The SGEMM shapes every framework is timed on. pytorch_bench.py mirrors this list by name;
/// the merge step reports a case one side lacks instead of silently dropping it.
/// </summary>
public static class GemmCases
{
    /// <summary>The MNIST autoencoder's layers, (in, out): 784-256-64-256-784.</summary>
    public static readonly (int In, int Out)[] AutoencoderLayers = [(784, 256), (256, 64), (64, 256), (256, 784)];

    /// <summary>The training batch of the MNIST autoencoder case.</summary>
    public const int AutoencoderBatch = 256;

    /// <summary>Large square products: the kernel's best case, comparable to published GFLOP/s.</summary>
    public static IReadOnlyList<GemmCase> Square { get; } =
    [
        new("sgemm_square_1024", false, false, 1024, 1024, 1024),
        new("sgemm_square_2048", false, false, 2048, 2048, 2048),
    ];

    // Declared before the lists filtered from it: static initializers run in textual order.
    private static readonly (GemmCase Case, bool InTrainingStep)[] AutoencoderProducts = BuildAutoencoderProducts();

    /// <summary>
    /// The 11 products of one training step of the autoencoder at batch 256, as Dense issues them with
    /// W stored [in, out]: forward Y = X·W (NN, m=batch n=out k=in); weight gradient dW = Xᵀ·dY (TN, m=in n=out
    /// k=batch); input gradient dX = dY·Wᵀ (NT, m=batch n=in k=out) for every layer but the first, whose input
    /// gradient nobody needs. 4 + 4 + 3 = 11. <see cref="StepMixGflops"/> is over exactly these.
    /// </summary>
    public static IReadOnlyList<GemmCase> AutoencoderStep { get; } =
        AutoencoderProducts.Where(p => p.InTrainingStep).Select(p => p.Case).ToArray();

    /// <summary>
    /// The autoencoder's products that training never computes: layer 1's input gradient (NT, m=256 n=784 k=256),
    /// since nothing upstream of the first layer takes a gradient. The benchmark asks for every layer's forward,
    /// weight gradient and input gradient, so it is timed for completeness, but kept out of
    /// <see cref="AutoencoderStep"/> and the mix, which stand for the work a real step does.
    /// </summary>
    public static IReadOnlyList<GemmCase> UnusedInTraining { get; } =
        AutoencoderProducts.Where(p => !p.InTrainingStep).Select(p => p.Case).ToArray();

    /// <summary>
    /// Every timed shape: the square ones, then the autoencoder's 12 products layer by layer (forward, weight
    /// gradient, input gradient), so the table reads one layer at a time.
    /// </summary>
    public static IEnumerable<GemmCase> All => Square.Concat(AutoencoderProducts.Select(p => p.Case));

    /// <summary>
    /// GFLOP/s of one whole training step's products: total FLOP over total time, so the large products weigh
    /// in proportion to the time they take in training (a mean of per-case rates would not).
    /// </summary>
    public static double StepMixGflops(IReadOnlyDictionary<string, double> secondsPerCase)
    {
        double flops = AutoencoderStep.Sum(c => c.Flops);
        double seconds = AutoencoderStep.Sum(c => secondsPerCase[c.Name]);
        return flops / seconds / 1e9;
    }

    private static (GemmCase, bool)[] BuildAutoencoderProducts()
    {
        const int b = AutoencoderBatch;
        var products = new List<(GemmCase, bool)>();
        for (int i = 0; i < AutoencoderLayers.Length; i++)
        {
            var (inSize, outSize) = AutoencoderLayers[i];
            string layer = $"L{i + 1}_{inSize}x{outSize}";
            products.Add((new($"sgemm_ae_{layer}_fwd_NN", false, false, b, outSize, inSize), true));
            products.Add((new($"sgemm_ae_{layer}_dW_TN", true, false, inSize, outSize, b), true));
            products.Add((new($"sgemm_ae_{layer}_dX_NT", false, true, b, inSize, outSize), i > 0));
        }
        return products.ToArray();
    }
}
