using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Tests.Specs;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// ELU, softplus, GELU and SiLU chosen through the dense options (<see cref="AutoencoderOptions.HiddenActivation"/>) rather
/// than as layer specs: the network gets the engine's activation, trains, and scores alike after every save and reload; the
/// contractive penalty, which cannot differentiate GELU or SiLU, is refused with them when the estimator is made.
/// </summary>
public class SmoothActivationOptionsTests
{
    public static TheoryData<AutoencoderActivation, Engine.Activation> Activations => new()
    {
        { AutoencoderActivation.Elu, Engine.Activation.Elu },
        { AutoencoderActivation.Softplus, Engine.Activation.Softplus },
        { AutoencoderActivation.Gelu, Engine.Activation.Gelu },
        { AutoencoderActivation.Silu, Engine.Activation.Silu },
    };

    [Theory]
    [MemberData(nameof(Activations))]
    public void HiddenActivationTrainsAndScoresAlikeAfterSaveAndLoad(AutoencoderActivation hidden, Engine.Activation engineActivation)
    {
        var ml = new MLContext(seed: 1);
        var rows = SyntheticData.Rows(160);
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = TestAutoencoders.Options(epochs: 12);
        (options.EncodedColumnName, options.ReconstructionErrorColumnName) = ("Code", "Error");
        options.HiddenActivation = hidden;

        var transformer = ml.Transforms.Autoencoder(options).Fit(data);

        // Both hidden layers (the encoder's and its mirror's) apply it, and nothing else does.
        Assert.Equal(new[] { engineActivation, engineActivation, Engine.Activation.Sigmoid },
            transformer.Model.Spec.Layers.Select(l => l.AppliedActivation).OfType<Engine.Activation>());
        var epochs = transformer.Model.TrainingHistory!.Epochs;
        Assert.True(epochs[^1].TrainingLoss < 0.8 * epochs[0].TrainingLoss, $"{hidden}: loss {epochs[0].TrainingLoss} → {epochs[^1].TrainingLoss}");
        var reloaded = ExportParity.AssertScoresAlike(ml, transformer, data, [.. rows.SelectMany(r => r.Features)]);
        Assert.Contains(reloaded.Model.Spec.Layers, l => l is ActivationSpec { Function: var f } && f == engineActivation);
    }

    [Theory]
    [InlineData(AutoencoderActivation.Gelu, AutoencoderActivation.Linear, "HiddenActivation = Gelu")]
    [InlineData(AutoencoderActivation.Silu, AutoencoderActivation.Linear, "HiddenActivation = Silu")]
    [InlineData(AutoencoderActivation.Relu, AutoencoderActivation.Gelu, "CodeActivation = Gelu")]
    [InlineData(AutoencoderActivation.Tanh, AutoencoderActivation.Silu, "CodeActivation = Silu")]
    public void ContractivePenaltyWithGeluOrSiluInTheEncoderIsRefusedWhenTheEstimatorIsMade(AutoencoderActivation hidden, AutoencoderActivation code, string named)
    {
        var options = TestAutoencoders.Options();
        (options.HiddenActivation, options.CodeActivation, options.ContractiveWeight) = (hidden, code, 0.01f);

        var error = Assert.Throws<ArgumentException>(() => new MLContext(seed: 1).Transforms.ContractiveAutoencoder(options));

        Assert.Equal("options", error.ParamName);
        Assert.Contains("ContractiveWeight cannot be used with " + named, error.Message);
    }

    [Fact]
    public void ContractivePenaltyIsRefusedWithGeluInTheDetectorsNetworkToo()
    {
        var options = new AutoencoderOptions { HiddenLayerSizes = [8], CodeSize = 3, HiddenActivation = AutoencoderActivation.Gelu, ContractiveWeight = 0.01f };

        var error = Assert.Throws<ArgumentException>(() => new MLContext(seed: 1).AnomalyDetection.Trainers.Autoencoder(
            new AutoencoderAnomalyOptions { FeatureColumnName = "Features", Autoencoder = options }));

        Assert.Contains("ContractiveWeight cannot be used with HiddenActivation = Gelu", error.Message);
    }

    [Fact]
    public void GeluHiddenActivationWithoutHiddenLayersIsNotInTheEncoderSoTheContractivePenaltyTakesIt()
    {
        var ml = new MLContext(seed: 1);
        var options = TestAutoencoders.Options(epochs: 2);
        (options.HiddenLayerSizes, options.HiddenActivation, options.ContractiveWeight) = ([], AutoencoderActivation.Gelu, 0.01f);

        var transformer = ml.Transforms.ContractiveAutoencoder(options).Fit(SyntheticData.DataView(ml, 64));

        Assert.All(transformer.Model.TrainingHistory!.Epochs, e => Assert.True(e.Penalty > 0));
    }

    [Fact]
    public void EncoderLayersWithGeluAndTheContractivePenaltyAreRefusedBeforeTheFirstEpoch()
    {
        var ml = new MLContext(seed: 1);
        int epochsRun = 0;
        var estimator = ml.Transforms.ContractiveAutoencoder(new AutoencoderOptions
        {
            EncoderLayers = [new DenseSpec(8), new ActivationSpec(Engine.Activation.Gelu), new DenseSpec(3)],
            ContractiveWeight = 0.01f, Epochs = 2, BatchSize = 32, NumberOfThreads = 1, EpochCompleted = _ => epochsRun++,
        });

        var error = Assert.Throws<ArgumentException>(() => estimator.Fit(SyntheticData.DataView(ml, 64)));

        Assert.Contains("'encoder.0.activation'", error.Message);
        Assert.Contains("Gelu is not monotonic", error.Message);
        Assert.Equal(0, epochsRun);
    }

    [Theory]
    [InlineData(AutoencoderActivation.Elu, AutoencoderActivation.Softplus)]
    [InlineData(AutoencoderActivation.Softplus, AutoencoderActivation.Elu)]
    public void ContractivePenaltyTrainsThroughEluAndSoftplus(AutoencoderActivation hidden, AutoencoderActivation code)
    {
        var ml = new MLContext(seed: 1);
        var options = TestAutoencoders.Options(epochs: 12);
        (options.HiddenActivation, options.CodeActivation, options.ContractiveWeight) = (hidden, code, 0.01f);

        var transformer = ml.Transforms.ContractiveAutoencoder(options).Fit(SyntheticData.DataView(ml, 160));

        var epochs = transformer.Model.TrainingHistory!.Epochs;
        Assert.All(epochs, e => Assert.True(e.Penalty > 0 && double.IsFinite(e.Penalty), $"penalty {e.Penalty}"));
        Assert.True(epochs[^1].TotalTrainingLoss < 0.8 * epochs[0].TotalTrainingLoss, $"loss {epochs[0].TotalTrainingLoss} → {epochs[^1].TotalTrainingLoss}");
    }
}
