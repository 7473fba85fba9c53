using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// A detector writes its own columns (Score, PredictedLabel and its optional ones), never the autoencoder's: an output
/// column named in the embedded <see cref="AutoencoderOptions"/> was once dropped without a word, leaving the user
/// looking for a column that never came. It is refused when the estimator is made, naming the option and what the
/// detector writes instead; the defaults (and a null, which asks for no column) are taken.
/// </summary>
public sealed class DetectorNetworkColumnsTests
{
    private static readonly MLContext MlContext = new(seed: 1);

    /// <summary>Each output-column setting of the network's options, set to a name, and a phrase its refusal must hold.</summary>
    private static readonly Dictionary<string, (Action<AutoencoderOptions> Set, string Advice)> DenseCases = new()
    {
        [nameof(AutoencoderOptions.EncodedColumnName)] = (o => o.EncodedColumnName = "Code", "detector.Model.Encode"),
        [nameof(AutoencoderOptions.ReconstructionColumnName)] = (o => o.ReconstructionColumnName = "Reconstruction", "FeatureErrorsColumnName"),
        [nameof(AutoencoderOptions.ReconstructionErrorColumnName)] = (o => o.ReconstructionErrorColumnName = "Error", "ScoreColumnName"),
        [nameof(AutoencoderOptions.DenoisedColumnName)] = (o => o.DenoisedColumnName = "Clean", "FeatureErrorsColumnName"),
        [nameof(AutoencoderOptions.NegativeElboColumnName)] = (o => { o.Variational = true; o.NegativeElboColumnName = "Elbo"; }, "ScoreSource = NegativeElbo"),
    };

    public static TheoryData<string> DenseCaseNames => new(DenseCases.Keys);

    public static TheoryData<string> SequenceCaseNames => new([.. DenseCases.Keys, nameof(AutoencoderOptions.InputColumnName)]);

    [Theory]
    [MemberData(nameof(DenseCaseNames))]
    public void DenseDetectorRefusesTheNetworksOutputColumns(string option)
    {
        var network = new AutoencoderOptions { Epochs = 1 };
        DenseCases[option].Set(network);

        var error = Assert.Throws<ArgumentException>(() => MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Autoencoder = network }));

        Assert.Contains($"Autoencoder.{option}", error.Message);
        Assert.Contains("the detector writes ScoreColumnName ('Score') and PredictedLabelColumnName ('PredictedLabel')", error.Message);
        Assert.Contains(DenseCases[option].Advice, error.Message);
    }

    [Theory]
    [MemberData(nameof(SequenceCaseNames))]
    public void SequenceDetectorRefusesTheNetworksColumns(string option)
    {
        var network = new AutoencoderOptions { Epochs = 1 };
        if (option == nameof(AutoencoderOptions.InputColumnName)) network.InputColumnName = "Value";
        else DenseCases[option].Set(network);
        var options = new SequenceAnomalyOptions
        {
            ChannelColumnNames = ["Value"],
            Architecture = SequenceArchitecture.LstmAutoencoder(windowLength: 8, channels: 1, hiddenUnits: 4, codeSize: 2),
            Autoencoder = network,
        };

        var error = Assert.Throws<ArgumentException>(() => MlContext.AnomalyDetection.Trainers.SequenceAutoencoder(options));

        Assert.Contains($"Autoencoder.{option}", error.Message);
        Assert.Contains(option == nameof(AutoencoderOptions.InputColumnName) ? "ChannelColumnNames" : "the detector writes ScoreColumnName ('Score')", error.Message);
    }

    [Fact]
    public void TheDefaultsAndNullsAreTaken_AndOnlyTheDetectorsColumnsAreWritten()
    {
        var network = new AutoencoderOptions { Epochs = 1, CodeSize = 3, EncodedColumnName = AutoencoderEstimator.Defaults.EncodedColumnName };
        var withoutCode = new AutoencoderOptions { Epochs = 1, CodeSize = 3, EncodedColumnName = null };
        var train = AnomalyData.Train(MlContext, rows: 64);

        foreach (var options in new[] { network, withoutCode })
        {
            var scored = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Autoencoder = options }).Fit(train).Transform(train);
            Assert.Equal(["Label", "Features", "Score", "PredictedLabel"], scored.Schema.Select(c => c.Name));
        }
    }
}
