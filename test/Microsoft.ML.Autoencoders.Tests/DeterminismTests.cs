namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>The seed and the thread count fix the model: the same pair trains the same weights, bit for bit.</summary>
public class DeterminismTests
{
    private static float[][] TrainAndEncode(int seed, int threads)
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 200);
        var transformer = TestAutoencoders.Fit(ml, data, o =>
        {
            o.Seed = seed;
            o.NumberOfThreads = threads;
            o.ValidationFraction = 0.2; // the split is seeded too
        });
        return ColumnValues.Vectors(transformer.Transform(data), "Encoded");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SameSeedAndThreadCountGiveIdenticalCodes(int threads)
    {
        Assert.Equal(TrainAndEncode(seed: 42, threads), TrainAndEncode(seed: 42, threads));
    }

    [Fact]
    public void DifferentSeedGivesDifferentCodes()
    {
        var first = TrainAndEncode(seed: 42, threads: 1);
        var second = TrainAndEncode(seed: 43, threads: 1);

        // Not just unequal somewhere: a different initialization moves nearly every code value.
        int differing = first.Zip(second).Sum(pair => pair.First.Zip(pair.Second).Count(v => Math.Abs(v.First - v.Second) > 1e-3));
        Assert.True(differing > first.Length * TestAutoencoders.CodeSize / 2, $"only {differing} code values differ");
    }
}
