using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// <see cref="AutoencoderOptions.Sequence"/>: a window column of T×C values trains an LSTM or a 1-D convolutional
/// autoencoder through the ordinary estimator, with code, reconstruction and error columns that ONNX Runtime, the typed
/// reloads and <c>Model.Load</c> reproduce; and the settings it refuses.
/// </summary>
public class SequenceOptionTests
{
    private const int Steps = SineWindows.Steps, Channels = SineWindows.Channels;

    private static SequenceArchitecture Architecture(SequenceAutoencoderKind kind) => kind switch
    {
        SequenceAutoencoderKind.Lstm => SequenceArchitecture.LstmAutoencoder(Steps, Channels, hiddenUnits: 16, codeSize: 4),
        SequenceAutoencoderKind.LstmSequenceToSequence => SequenceArchitecture.LstmSequenceToSequence(Steps, Channels, hiddenUnits: 16, codeSize: 4),
        _ => SequenceArchitecture.KerasConvolutional(Steps, Channels) with { Filters = [6, 4], KernelSize = 5 },
    };

    private static AutoencoderOptions Options(SequenceArchitecture sequence) => new()
    {
        InputColumnName = nameof(SineWindows.Row.Window), EncodedColumnName = "Code", ReconstructionColumnName = "Reconstruction", ReconstructionErrorColumnName = "Error",
        Sequence = sequence, Epochs = 20, BatchSize = 16, LearningRate = 5e-3f, NumberOfThreads = 1,
    };

    [Theory]
    [InlineData(SequenceAutoencoderKind.Lstm)]
    [InlineData(SequenceAutoencoderKind.LstmSequenceToSequence)]
    [InlineData(SequenceAutoencoderKind.Lstm, RecurrentCell.Gru)]
    [InlineData(SequenceAutoencoderKind.LstmSequenceToSequence, RecurrentCell.Gru)]
    [InlineData(SequenceAutoencoderKind.Convolutional)]
    public void SequenceOption_TrainsScoresAndRoundTrips(SequenceAutoencoderKind kind, RecurrentCell cell = RecurrentCell.Lstm)
    {
        var ml = new MLContext(seed: 1);
        var rows = SineWindows.Make(256, seed: 3);
        var data = ml.Data.LoadFromEnumerable(rows);
        var architecture = Architecture(kind) with { Cell = cell };
        var transformer = ml.Transforms.Autoencoder(Options(architecture)).Fit(data);

        // The network is the architecture's own, layer for layer.
        Assert.Equal(architecture.ToSpec(), transformer.Model.Spec);
        var epochs = transformer.Model.TrainingHistory!.Epochs;
        Assert.True(epochs[^1].TrainingLoss < 0.5 * epochs[0].TrainingLoss, $"loss {epochs[0].TrainingLoss} → {epochs[^1].TrainingLoss}");

        // Windows of another shape reconstruct worse than the sine windows it was trained on.
        var scored = transformer.Transform(data);
        float[] errors = ColumnValues.Scalars(scored, "Error");
        var noise = new Random(9);
        var odd = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 32).Select(_ => new SineWindows.Row
        {
            Window = Enumerable.Range(0, Steps * Channels).Select(_ => (float)(noise.NextDouble() * 2 - 1)).ToArray(),
        }));
        Assert.True(ColumnValues.Scalars(transformer.Transform(odd), "Error").Average() > 3 * errors.Average());

        // ONNX Runtime (batched), the typed ONNX reload and Model.Load (row by row) within 1e-5.
        ExportParity.AssertScoresAlike(ml, transformer, data, rows.SelectMany(r => r.Window).ToArray());

        // The typed reload from a model zip gives the same spec and the same outputs.
        using var file = new TemporaryFile();
        ml.Model.Save(transformer, data.Schema, file.Path);
        var reloaded = AutoencoderTransformer.LoadFromModelFile(file.Path);
        Assert.Equal(transformer.Model.Spec, reloaded.Model.Spec);
        ColumnValues.AssertClose(errors, ColumnValues.Scalars(reloaded.Transform(data), "Error"), "Error after LoadFromModelFile", 0);
    }

    [Fact]
    public void AWindowOfAnotherSize_IsRefusedNamingBothSizes()
    {
        var ml = new MLContext(seed: 1);
        var options = Options(SequenceArchitecture.LstmAutoencoder(Steps, channels: 3));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Autoencoder(options).Fit(ml.Data.LoadFromEnumerable(SineWindows.Make(8, 1))));
        Assert.Contains("48 values", error.Message);
        Assert.Contains("32 per row", error.Message);
    }

    [Fact]
    public void SettingsTheArchitectureHolds_AreRefused()
    {
        var ml = new MLContext(seed: 1);
        var withCode = Options(Architecture(SequenceAutoencoderKind.Lstm));
        withCode.CodeSize = 8;
        Assert.Contains("CodeSize would go unused beside Sequence", Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(withCode)).Message);

        var withShape = Options(Architecture(SequenceAutoencoderKind.Lstm));
        withShape.InputShape = [Channels, Steps];
        Assert.Contains("disagrees", Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(withShape)).Message);

        var badArchitecture = Options(Architecture(SequenceAutoencoderKind.Lstm) with { HiddenUnits = 0 });
        Assert.Contains("Sequence: HiddenUnits", Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(badArchitecture)).Message);
    }
}
