namespace Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

/// <summary>
/// A seeded randomized sweep of the convolution layer's paths against the definition and against each other
/// (<see cref="ConvolutionSweep"/>): a few hundred geometries across the flat-plane, row-chunk and im2col families, each on
/// every kernel set and on one and two threads. Each block of seeds is one theory row, so a failure names its seeds.
/// </summary>
public class ConvolutionRandomSweepTests
{
    private const int SeedsPerBlock = 40;

    /// <summary>Reference multiply-adds a case may cost (the double loops dominate the sweep's time).</summary>
    private const long MaxCost = 4_000_000;

    public static TheoryData<int> Blocks => [0, 1, 2, 3, 4, 5, 6, 7];

    [Theory]
    [MemberData(nameof(Blocks))]
    public void RandomLayers_MatchTheDefinition_AndTheirOwnPromises(int block)
    {
        var failures = new List<string>();
        for (int seed = block * SeedsPerBlock; seed < (block + 1) * SeedsPerBlock; seed++)
        {
            var drawn = ConvolutionSweep.Draw(seed, MaxCost);
            var problems = ConvolutionSweep.RunLayerCase(drawn, seed);
            if (problems.Count > 0) failures.Add($"seed {seed} ({drawn}): {string.Join("; ", problems)}");
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>Networks a case may hold: floats an image in its largest slot.</summary>
    private const int MaxSlotSize = 3000;

    private const int NetworksPerBlock = 15;

    /// <summary>
    /// Small networks through Sequential (<see cref="ConvolutionNetworkSweep"/>): upsampling–convolution pairs, pooling
    /// into a convolution, convolutions around a ReLU, transposed convolutions and mixtures, fused and chained against
    /// the layers apart; every third drawn without kinks and also held to central differences.
    /// </summary>
    [Theory]
    [MemberData(nameof(Blocks))]
    public void RandomNetworks_GiveTheLayersApartNumbers(int block)
    {
        var failures = new List<string>();
        for (int seed = block * NetworksPerBlock; seed < (block + 1) * NetworksPerBlock; seed++)
        {
            // Every third network is drawn without kinks and also held to central differences.
            bool smooth = seed % 3 == 0;
            var drawn = ConvolutionNetworkSweep.Draw(seed, MaxSlotSize, smooth);
            var problems = ConvolutionNetworkSweep.RunNetworkCase(drawn, seed, finiteDifferences: smooth);
            if (problems.Count > 0) failures.Add($"seed {seed} ({drawn}): {string.Join("; ", problems)}");
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}
