using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// Causal and per-side convolution padding through ML.NET: a causal Conv1d autoencoder (a TCN's encoder, its decoder
/// mirrored) trains on windows of a series through the estimator and stays causal after training, and it and an image
/// autoencoder with unequal pads export to ONNX that scores like the engine (ONNX Runtime batched, Model.Load row by row,
/// the typed reload), which imports back into the same paddings.
/// </summary>
public class PaddedConvolutionNetworkTests
{
    private const int Steps = 24, Channels = 2, Side = 8;

    private sealed class WindowRow
    {
        [VectorType(Steps * Channels)]
        public float[] Window { get; set; } = [];
    }

    private sealed class ImageRow
    {
        [VectorType(Side * Side)]
        public float[] Pixels { get; set; } = [];
    }

    /// <summary>Windows [steps, channels] cut one step apart from one noisy two-channel series (a sine and its echo).</summary>
    private static List<WindowRow> Windows(int count)
    {
        var random = new Random(3);
        var series = new float[(count + Steps) * Channels];
        for (int t = 0; t < count + Steps; t++)
        {
            series[t * Channels] = (float)(Math.Sin(2 * Math.PI * t / 12) + 0.05 * (random.NextDouble() - 0.5));
            series[t * Channels + 1] = (float)(0.5 * Math.Sin(2 * Math.PI * (t - 3) / 12) + 0.05 * (random.NextDouble() - 0.5));
        }
        return [.. Enumerable.Range(0, count).Select(start => new WindowRow { Window = series.AsSpan(start * Channels, Steps * Channels).ToArray() })];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void CausalSequenceAutoencoderTrainsThroughTheEstimatorStaysCausalExportsAndImportsBack(int stride)
    {
        var ml = new MLContext(seed: 1);
        var rows = Windows(200);
        var data = ml.Data.LoadFromEnumerable(rows);
        var relu = new ActivationSpec(Activation.Relu);
        var transformer = ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            InputColumnName = nameof(WindowRow.Window), EncodedColumnName = "Code", ReconstructionColumnName = "Reconstruction", ReconstructionErrorColumnName = "Error",
            InputShape = [Steps, Channels],
            // Windows to channels first, then Keras' Conv1D(padding="causal") twice, the second dilated; no DecoderLayers:
            // the decoder mirrors them.
            EncoderLayers =
            [
                new TransposeSpec(),
                new Conv1dSpec(8, 3, stride, Conv2dPadding.Causal), relu,
                // The code: [1, 24] at stride 1, [4, 6] at stride 2, narrower than the 48 values of a window.
                new Conv1dSpec(stride == 1 ? 1 : 4, 3, stride, Conv2dPadding.Causal, Dilation: 2), relu,
            ],
            Epochs = 25, BatchSize = 16, LearningRate = 5e-3f, NumberOfThreads = 1,
        }).Fit(data);

        var epochs = transformer.Model.TrainingHistory!.Epochs;
        Assert.True(epochs[^1].TrainingLoss < 0.5 * epochs[0].TrainingLoss, $"loss {epochs[0].TrainingLoss} → {epochs[^1].TrainingLoss}");
        float[] batch = [.. rows.SelectMany(r => r.Window)];
        AssertCausal(transformer.Model, rows[0].Window);

        var reloaded = ExportParity.AssertScoresAlike(ml, transformer, data, batch);
        AssertCausal(reloaded.Model, rows[1].Window);
        var imported = ExportParity.ImportedBack(transformer);
        Assert.Equal(
            transformer.Model.Spec.Layers.OfType<Conv1dSpec>().Select(c => (c.Padding, c.ExplicitPads)),
            imported.Spec.Layers.OfType<Conv1dSpec>().Select(c => (c.Padding, c.ExplicitPads)));
        ColumnValues.AssertClose(transformer.Model.Reconstruct(batch, rows.Count), imported.Reconstruct(batch, rows.Count), "imported back");
    }

    /// <summary>No step of the reconstruction moves when a later step of the window does.</summary>
    private static void AssertCausal(AutoencoderModel model, float[] window)
    {
        float[] before = model.Reconstruct(window, 1);
        for (int t = 1; t < Steps; t++)
        {
            float[] changed = (float[])window.Clone();
            for (int c = 0; c < Channels; c++) changed[t * Channels + c] += 0.5f;
            float[] after = model.Reconstruct(changed, 1);
            Assert.Equal(before.AsSpan(0, t * Channels).ToArray(), after.AsSpan(0, t * Channels).ToArray());
        }
    }

    [Fact]
    public void ImageAutoencoderWithUnequalPadsTrainsExportsAndImportsBack()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(5);
        var rows = Enumerable.Range(0, 120).Select(_ => new ImageRow { Pixels = SoftDiscs.Draw(random, Side) }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var relu = new ActivationSpec(Activation.Relu);
        var transformer = ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            InputColumnName = "Pixels", EncodedColumnName = "Code", ReconstructionColumnName = "Reconstruction", ReconstructionErrorColumnName = "Error",
            InputShape = [1, Side, Side],
            // Two rows above and none below, then a strided kernel padded on the left and bottom only; mirrored into
            // transposed convolutions with those pads (asserted below): each convolution's own transpose.
            EncoderLayers =
            [
                new Conv2dSpec(4, 3, Padding: Conv2dPadding.Explicit, ExplicitPads: new Conv2dPads(2, 0, 0, 2)), relu,
                new Conv2dSpec(4, 3, 2, Conv2dPadding.Explicit, ExplicitPads: new Conv2dPads(0, 1, 1, 0)), relu,
            ],
            OutputActivation = AutoencoderActivation.Sigmoid, Loss = AutoencoderLoss.BinaryCrossEntropy,
            Epochs = 6, BatchSize = 16, NumberOfThreads = 1,
        }).Fit(data);

        Assert.Equal(["conv_transpose2d", "activation", "conv_transpose2d", "activation"], transformer.Model.Spec.Decoder.Select(l => l.Kind));
        // The mirror undoes the last convolution first; both floor divisions are exact, so no output padding.
        Assert.Equal(
            new (Conv2dPads?, int)[] { (new Conv2dPads(0, 1, 1, 0), 0), (new Conv2dPads(2, 0, 0, 2), 0) },
            transformer.Model.Spec.Decoder.OfType<ConvTranspose2dSpec>().Select(t => (t.ExplicitPads, t.OutputPadding)));
        var epochs = transformer.Model.TrainingHistory!.Epochs;
        Assert.True(epochs[^1].TrainingLoss < epochs[0].TrainingLoss, $"loss {epochs[0].TrainingLoss} → {epochs[^1].TrainingLoss}");
        float[] batch = [.. rows.SelectMany(r => r.Pixels)];
        ExportParity.AssertScoresAlike(ml, transformer, data, batch);
        var imported = ExportParity.ImportedBack(transformer);
        Assert.Equal(
            transformer.Model.Spec.Layers.OfType<Conv2dSpec>().Select(c => c.ExplicitPads),
            imported.Spec.Layers.OfType<Conv2dSpec>().Select(c => c.ExplicitPads));
        Assert.Equal(
            transformer.Model.Spec.Layers.OfType<ConvTranspose2dSpec>().Select(t => (t.ExplicitPads, t.OutputPadding)),
            imported.Spec.Layers.OfType<ConvTranspose2dSpec>().Select(t => (t.ExplicitPads, t.OutputPadding)));
        ColumnValues.AssertClose(transformer.Model.Reconstruct(batch, rows.Count), imported.Reconstruct(batch, rows.Count), "imported back");
    }
}
