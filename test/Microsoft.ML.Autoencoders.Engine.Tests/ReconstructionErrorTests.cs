using Microsoft.ML.Autoencoders.Engine.Losses;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>The per-row error every scoring path reports: its value against a plain double loop, on lengths around the vector width.</summary>
public class ReconstructionErrorTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(784)]
    [InlineData(1001)]
    public void MeanSquared_MatchesAPlainLoop(int length)
    {
        var random = new SeededRandom(length);
        float[] input = TestData.Uniform(random, length, -3f, 3f), reconstruction = TestData.Uniform(random, length, -3f, 3f);
        double sum = 0;
        for (int i = 0; i < length; i++)
        {
            float d = input[i] - reconstruction[i];
            sum += d * d;
        }

        float error = ReconstructionError.MeanSquared(input, reconstruction);

        // The squares are the same floats either way; only the double sum's order differs, far below a float's rounding.
        Assert.True(Math.Abs(error - sum / length) <= 1e-6 * (sum / length), $"{error} vs {sum / length}");
    }

    [Fact]
    public void MeanSquared_OfAnEmptyRowIsZero_AndOfRowsOfDifferentLengthsThrows()
    {
        Assert.Equal(0f, ReconstructionError.MeanSquared([], []));
        Assert.Throws<ArgumentException>(() => ReconstructionError.MeanSquared(new float[3], new float[4]));
    }

    [Fact]
    public void MeanSquared_SeesEveryElement()
    {
        // A single differing element anywhere (in the vector part or the tail) must show up, with its full square.
        for (int at = 0; at < 27; at++)
        {
            float[] input = new float[27], reconstruction = new float[27];
            input[at] = 3f;
            Assert.Equal(9f / 27, ReconstructionError.MeanSquared(input, reconstruction), 6);
        }
    }
}
