using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// A convolutional autoencoder with batch norm in the encoder and the decoder and bilinear upsampling in the decoder
/// trains through the estimator; its ONNX form (BatchNormalization on the running statistics, Resize linear with
/// half-pixel coordinates) scores like the engine in ONNX Runtime, and the model read back (typed, and under Model.Load)
/// has the running statistics it was saved with and scores the same.
/// </summary>
public class BatchNormBilinearNetworkTests
{
    private const int Side = 8;

    private sealed class ImageRow
    {
        [VectorType(Side * Side)]
        public float[] Pixels { get; set; } = [];
    }

    private static List<ImageRow> Images(int count)
    {
        var random = new Random(7);
        var rows = new List<ImageRow>();
        for (int i = 0; i < count; i++) rows.Add(new ImageRow { Pixels = SoftDiscs.Draw(random, Side) });
        return rows;
    }

    [Fact]
    public void BatchNormAndBilinearAutoencoderTrainsExportsAndReloadsWithItsRunningStatistics()
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
                new Conv2dSpec(4, 3), new BatchNorm2dSpec(), new ActivationSpec(Activation.Relu), new MaxPool2dSpec(2),
                new Conv2dSpec(2, 3), new BatchNorm2dSpec(), new ActivationSpec(Activation.Relu), new MaxPool2dSpec(2),
            ],
            DecoderLayers =
            [
                new Upsample2dSpec(2, UpsampleMode.Bilinear), new Conv2dSpec(4, 3), new BatchNorm2dSpec(), new ActivationSpec(Activation.Relu),
                new Upsample2dSpec(2, UpsampleMode.Bilinear), new Conv2dSpec(1, 3), new ActivationSpec(Activation.Sigmoid),
            ],
            Loss = AutoencoderLoss.BinaryCrossEntropy,
            Epochs = 6, BatchSize = 16, NumberOfThreads = 1,
        }).Fit(data);

        var network = transformer.Model.Network;
        var norms = network.Layers.Layers.OfType<BatchNorm2d>().ToArray();
        Assert.Equal(3, norms.Length);
        // Training moved every running statistic off its start (mean 0, variance 1).
        Assert.All(norms, n => Assert.Contains(n.RunningMean.Values.ToArray(), m => m != 0f));
        Assert.All(norms, n => Assert.Contains(n.RunningVariance.Values.ToArray(), v => v != 1f));
        Assert.Contains(network.Layers.Layers, l => l is BilinearUpsample2d);
        var epochs = transformer.Model.TrainingHistory!.Epochs;
        Assert.True(epochs[^1].TrainingLoss < epochs[0].TrainingLoss, $"loss {epochs[0].TrainingLoss} → {epochs[^1].TrainingLoss}");
        var reloaded = ExportParity.AssertScoresAlike(ml, transformer, data, rows.SelectMany(r => r.Pixels).ToArray());
        var reloadedNorms = reloaded.Model.Network.Layers.Layers.OfType<BatchNorm2d>().ToArray();
        for (int k = 0; k < norms.Length; k++)
        {
            Assert.Equal(norms[k].RunningMean.Values.ToArray(), reloadedNorms[k].RunningMean.Values.ToArray());
            Assert.Equal(norms[k].RunningVariance.Values.ToArray(), reloadedNorms[k].RunningVariance.Values.ToArray());
        }
        Assert.Equal(network.Parameters.Values, reloaded.Model.Network.Parameters.Values);
    }
}
