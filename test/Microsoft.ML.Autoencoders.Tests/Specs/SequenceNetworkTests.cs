using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// The sequence autoencoders reach ML.NET today as layer lists: windows in a known-size vector column, the network from
/// <see cref="SequenceArchitecture.ToSpec"/> given as EncoderLayers/DecoderLayers with the window's shape, trained by the
/// estimator; scored by ONNX Runtime, reloaded typed and under Model.Load like every other kind.
/// </summary>
public class SequenceNetworkTests
{
    private const int Steps = SineWindows.Steps, Channels = SineWindows.Channels;

    [Theory]
    [InlineData(SequenceAutoencoderKind.Lstm)]
    [InlineData(SequenceAutoencoderKind.Convolutional)]
    public void SequenceAutoencoderTrainsThroughTheEstimatorExportsAndReloads(SequenceAutoencoderKind kind)
    {
        var architecture = kind == SequenceAutoencoderKind.Lstm
            ? SequenceArchitecture.LstmAutoencoder(Steps, Channels, hiddenUnits: 16, codeSize: 4)
            : SequenceArchitecture.KerasConvolutional(Steps, Channels) with { Filters = [6, 4], KernelSize = 5 };
        var spec = architecture.ToSpec();
        var ml = new MLContext(seed: 1);
        var rows = SineWindows.Make(256);
        var data = ml.Data.LoadFromEnumerable(rows);
        var transformer = ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            InputColumnName = nameof(SineWindows.Row.Window), EncodedColumnName = "Code", ReconstructionColumnName = "Reconstruction", ReconstructionErrorColumnName = "Error",
            InputShape = [Steps, Channels], EncoderLayers = spec.Encoder, DecoderLayers = spec.Decoder,
            Epochs = 20, BatchSize = 16, LearningRate = 5e-3f, NumberOfThreads = 1,
        }).Fit(data);

        Assert.Equal(spec.CodeShape, transformer.Model.Spec.CodeShape);
        var epochs = transformer.Model.TrainingHistory!.Epochs;
        Assert.True(epochs[^1].TrainingLoss < 0.5 * epochs[0].TrainingLoss, $"loss {epochs[0].TrainingLoss} → {epochs[^1].TrainingLoss}");
        ExportParity.AssertScoresAlike(ml, transformer, data, rows.SelectMany(r => r.Window).ToArray());
    }
}
