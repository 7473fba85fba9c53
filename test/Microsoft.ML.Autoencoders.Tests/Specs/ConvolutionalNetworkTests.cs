using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// A convolutional autoencoder given as layer specs (conv, pool; the decoder mirrored into conv, upsample) trains
/// through the estimator, and its ONNX form — Conv, MaxPool and Resize between reshapes — scores like the engine in
/// ONNX Runtime (batched), under Model.Load (one row at a time) and after the typed reload.
/// </summary>
public class ConvolutionalNetworkTests
{
    private const int Side = 8;

    private sealed class ImageRow
    {
        [VectorType(Side * Side)]
        public float[] Pixels { get; set; } = [];
    }

    private static List<ImageRow> Images(int count)
    {
        var random = new Random(5);
        var rows = new List<ImageRow>();
        for (int i = 0; i < count; i++) rows.Add(new ImageRow { Pixels = SoftDiscs.Draw(random, Side) });
        return rows;
    }

    [Fact]
    public void ConvolutionalAutoencoderTrainsExportsAndReloads()
    {
        var ml = new MLContext(seed: 1);
        var rows = Images(160);
        var data = ml.Data.LoadFromEnumerable(rows);
        var transformer = ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            InputColumnName = "Pixels", EncodedColumnName = "Code", ReconstructionColumnName = "Reconstruction", ReconstructionErrorColumnName = "Error",
            InputShape = [1, Side, Side],
            EncoderLayers =
            [
                new Conv2dSpec(4, 3), new ActivationSpec(Activation.Relu), new MaxPool2dSpec(2),
                new Conv2dSpec(2, 3), new ActivationSpec(Activation.Relu), new MaxPool2dSpec(2),
            ],
            OutputActivation = AutoencoderActivation.Sigmoid, Loss = AutoencoderLoss.BinaryCrossEntropy,
            Epochs = 8, BatchSize = 16, NumberOfThreads = 1,
        }).Fit(data);

        var spec = transformer.Model.Spec;
        Assert.Equal("[2, 2, 2]", spec.CodeShape.ToString());
        Assert.Equal(["upsample2d", "activation", "conv2d", "upsample2d", "activation", "conv2d", "activation"], spec.Decoder.Select(l => l.Kind));
        var epochs = transformer.Model.TrainingHistory!.Epochs;
        Assert.True(epochs[^1].TrainingLoss < epochs[0].TrainingLoss, $"loss {epochs[0].TrainingLoss} → {epochs[^1].TrainingLoss}");
        ExportParity.AssertScoresAlike(ml, transformer, data, rows.SelectMany(r => r.Pixels).ToArray());
    }
}
