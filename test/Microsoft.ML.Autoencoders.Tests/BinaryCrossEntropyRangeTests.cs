using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// Binary cross-entropy on data outside [0, 1] is refused before training, naming the column, its range and the two
/// fixes; it used to train to a finite loss and a model whose outputs meant nothing. Data in [0, 1] still trains.
/// </summary>
public class BinaryCrossEntropyRangeTests
{
    private sealed class Row
    {
        [VectorType(SyntheticData.Width)]
        public float[] Features { get; set; } = [];
    }

    private sealed class RowWithTarget
    {
        [VectorType(SyntheticData.Width)]
        public float[] Features { get; set; } = [];

        [VectorType(SyntheticData.Width)]
        public float[] Clean { get; set; } = [];
    }

    /// <summary>SyntheticData's rows with a target column: one of the two stretched to about [−2, 3].</summary>
    private static IDataView WithTargets(MLContext ml, bool unscaledTargets) =>
        ml.Data.LoadFromEnumerable(SyntheticData.Rows(64).Select(r => new RowWithTarget
        {
            Features = unscaledTargets ? r.Features : r.Features.Select(v => 5 * v - 2).ToArray(),
            Clean = unscaledTargets ? r.Features.Select(v => 5 * v - 2).ToArray() : r.Features,
        }));

    /// <summary>SyntheticData's rows (in (0, 1)) stretched to about [−2, 3], as unscaled tabular features are.</summary>
    private static IDataView Unscaled(MLContext ml) =>
        ml.Data.LoadFromEnumerable(SyntheticData.Rows(64).Select(r => new Row { Features = r.Features.Select(v => 5 * v - 2).ToArray() }));

    public static TheoryData<string> Kinds => new() { "dense", "dense streamed", "variational", "detector" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void DataOutsideTheUnitIntervalIsRefusedByColumn(string kind)
    {
        var ml = new MLContext(seed: 1);
        var options = kind == "detector" ? TestAutoencoders.DetectorNetwork(epochs: 1) : TestAutoencoders.Options(epochs: 1);
        options.Loss = AutoencoderLoss.BinaryCrossEntropy;
        options.StreamTrainingData = kind == "dense streamed";
        Action fit = kind switch
        {
            "variational" => () => ml.Transforms.VariationalAutoencoder("Latent", "Features", latentSize: 2, epochs: 1).Fit(Unscaled(ml)),
            "detector" => () => ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Autoencoder = options }).Fit(Unscaled(ml)),
            _ => () => ml.Transforms.Autoencoder(options).Fit(Unscaled(ml)),
        };

        var error = Assert.Throws<InvalidOperationException>(fit);

        Assert.Contains("reads each value as a probability, so it needs data in [0, 1], but column 'Features' holds values from -", error.Message);
        Assert.Contains("mlContext.Transforms.NormalizeMinMax(\"Features\", fixZero: false)", error.Message);
        Assert.Contains("MeanSquaredError", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ATargetColumnIsWhatTheRangeIsCheckedOn(bool streamed)
    {
        // Streamed, the targets' range comes from the opening pass over the view; it used to go unchecked.
        var ml = new MLContext(seed: 1);
        var options = TestAutoencoders.Options(epochs: 1);
        options.Loss = AutoencoderLoss.BinaryCrossEntropy;
        options.TargetColumnName = "Clean";
        options.StreamTrainingData = streamed;

        var error = Assert.Throws<InvalidOperationException>(() => ml.Transforms.Autoencoder(options).Fit(WithTargets(ml, unscaledTargets: true)));
        Assert.Contains("but column 'Clean' holds values from -", error.Message);

        // Inputs outside [0, 1] are fine when the targets are in it: the loss reads only the targets as probabilities.
        var model = ml.Transforms.Autoencoder(options).Fit(WithTargets(ml, unscaledTargets: false));
        Assert.Single(model.Model.TrainingHistory!.Epochs);
    }

    [Fact]
    public void TheScalingTheMessageNamesMakesTheDataTrain()
    {
        // ML.NET's default fixZero: true would scale these (negative) values into [-1, 1], which is refused again.
        var ml = new MLContext(seed: 1);
        var options = TestAutoencoders.Options(epochs: 1);
        options.Loss = AutoencoderLoss.BinaryCrossEntropy;
        var pipeline = ml.Transforms.NormalizeMinMax("Features", fixZero: false).Append(ml.Transforms.Autoencoder(options));

        var model = pipeline.Fit(Unscaled(ml));

        Assert.Single(model.LastTransformer.Model.TrainingHistory!.Epochs);
        Assert.Throws<InvalidOperationException>(() => ml.Transforms.NormalizeMinMax("Features").Append(ml.Transforms.Autoencoder(options)).Fit(Unscaled(ml)));
    }

    [Fact]
    public void DataInTheUnitIntervalTrains()
    {
        var ml = new MLContext(seed: 1);
        var options = TestAutoencoders.Options(epochs: 1);
        options.Loss = AutoencoderLoss.BinaryCrossEntropy;

        var model = ml.Transforms.Autoencoder(options).Fit(SyntheticData.DataView(ml, 64));

        Assert.Single(model.Model.TrainingHistory!.Epochs);
    }
}
