namespace Microsoft.ML.Autoencoders.Benchmarks.Tests;

public class RoundSelectionTests
{
    [Theory]
    [InlineData("GFLOP/s", "higher", 3.0)] // speed: best
    [InlineData("rows/s", "higher", 3.0)]
    [InlineData("s/epoch", "lower", 1.0)]
    [InlineData("windows/s", "higher", 3.0)] // the LSTM's training rate: it took the worst round until 2026-12-05
    [InlineData("s", "lower", 1.0)]
    [InlineData("MSE", "lower", 3.0)]      // not speed: worst
    [InlineData("MiB", "lower", 3.0)]
    public void SpeedTakesTheBestRoundEverythingElseTheWorst(string unit, string better, double expected) =>
        Assert.Equal(expected, RoundSelection.Pick(unit, better, [2.0, 1.0, 3.0]));

    [Fact]
    public void AnUnknownDirectionIsAnError() =>
        Assert.Throws<InvalidDataException>(() => RoundSelection.Pick("MSE", "sideways", [1.0]));
}
