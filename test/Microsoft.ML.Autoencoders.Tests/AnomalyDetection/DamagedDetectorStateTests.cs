using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// A detector head whose threshold or settings could not have been saved by a healthy detector is refused on load
/// (issue 17: a NaN threshold would call every row normal, a negative one every row anomalous).
/// </summary>
public sealed class DamagedDetectorStateTests
{
    private static readonly MLContext MlContext = new(seed: 1);

    public static TheoryData<string> Damages => new() { "nan-threshold", "negative-threshold", "infinite-threshold", "contamination" };

    [Theory]
    [MemberData(nameof(Damages))]
    public void ImpossibleStateIsRefusedWithTheReason(string damage)
    {
        var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            Contamination = 0.1,
            Autoencoder = AnomalyData.Network(),
        }).Fit(AnomalyData.Train(MlContext));
        var state = detector.State;
        var damaged = damage switch
        {
            "nan-threshold" => state with { Threshold = float.NaN },
            "negative-threshold" => state with { Threshold = -0.5f },
            "infinite-threshold" => state with { Threshold = float.PositiveInfinity }, // only a false-alarm budget gives +∞
            _ => state with { Contamination = 7 },
        };

        byte[] healthy = AnomalyHeadOnnx.ToBytes(state, detector.Model.InputSize, [], AnomalyHeadOnnx.ErrorVector);
        Assert.Equal(state.Threshold, AnomalyHeadOnnx.Read(OnnxModelReader.Parse(healthy)).State.Threshold);

        byte[] bytes = AnomalyHeadOnnx.ToBytes(damaged, detector.Model.InputSize, [], AnomalyHeadOnnx.ErrorVector);
        var error = Assert.Throws<InvalidDataException>(() => AnomalyHeadOnnx.Read(OnnxModelReader.Parse(bytes)));
        Assert.Contains("damaged", error.Message);
    }
}
