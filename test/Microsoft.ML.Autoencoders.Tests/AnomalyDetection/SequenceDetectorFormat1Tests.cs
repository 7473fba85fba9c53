using System.Text.Json;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// A sequence detector saved before the scoring setting existed (Fixtures/SequenceDetectorV1, state format 1) still loads
/// through both loaders and scores what it scored when it was written.
/// </summary>
public sealed class SequenceDetectorFormat1Tests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "SequenceDetectorV1", name);

    private sealed record Outputs(float[] Score, bool[] PredictedLabel);

    private sealed record Expected(float[][] Inputs, float Threshold, Outputs Outputs);

    private sealed class Step
    {
        public float Cpu { get; set; }
        public float Memory { get; set; }
    }

    [Fact]
    public void FormatOneDetector_LoadsAndScoresAsWhenWritten()
    {
        var expected = JsonSerializer.Deserialize<Expected>(File.ReadAllText(Fixture("sequence-detector-v1.expected.json")),
            new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
        var ml = new MLContext();
        var continuation = ml.Data.LoadFromEnumerable(expected.Inputs.Select(r => new Step { Cpu = r[0], Memory = r[1] }));

        var typed = SequenceAnomalyTransformer.LoadFromModelFile(Fixture("sequence-detector-v1.zip"));
        var batched = ml.Model.LoadWithBatchedScoring(Fixture("sequence-detector-v1.zip"), out _);

        Assert.Equal(expected.Threshold, typed.Threshold);
        Assert.True(typed.ContinuesTrainingSeries);
        Assert.Equal(SequenceScoring.Centered, typed.Scoring); // format 1 knew only the centered score
        foreach (var (how, scored) in new[] { ("LoadFromModelFile", typed.Transform(continuation)), ("LoadWithBatchedScoring", batched.Transform(continuation)) })
        {
            ColumnValues.AssertClose(expected.Outputs.Score, ColumnValues.Scalars(scored, "Score"), $"Score via {how}");
            Assert.Equal(expected.Outputs.PredictedLabel, scored.GetColumn<bool>("PredictedLabel").ToArray());
        }
    }
}
