using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// AvgPool2dSpec put in EncoderLayers by a user: plain, padded and in ceil mode, it trains, its ONNX export (Pad and
/// AveragePool as PyTorch writes them) scores alike in ONNX Runtime and through every reload, the decoder mirrors a plain
/// pooling with an upsampling, and the exported graph imports back as the same layers with the same bits.
/// </summary>
public class AvgPoolNetworkTests
{
    private const int Side = 8;

    private sealed class ImageRow
    {
        [VectorType(Side * Side)]
        public float[] Pixels { get; set; } = [];
    }

    [Fact]
    public void AvgPoolNetworkTrainsExportsAndImportsBack()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(5);
        var rows = Enumerable.Range(0, 160).Select(_ => new ImageRow { Pixels = SoftDiscs.Draw(random, Side) }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var transformer = ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            InputColumnName = "Pixels", EncodedColumnName = "Code", ReconstructionColumnName = "Reconstruction", ReconstructionErrorColumnName = "Error",
            InputShape = [1, Side, Side],
            EncoderLayers =
            [
                new Conv2dSpec(4, 3), new ActivationSpec(Activation.Relu), new AvgPool2dSpec(3, 1, 1), new AvgPool2dSpec(2), // 8 → 8 → 4
                new Conv2dSpec(2, 3), new ActivationSpec(Activation.Relu), new AvgPool2dSpec(3, 2, 1, CeilMode: true), // 4 → 3
            ],
            DecoderLayers =
            [
                new Upsample2dSpec(2), new Conv2dSpec(4, 3), new ActivationSpec(Activation.Relu), new AvgPool2dSpec(2, 2, 1, CeilMode: true), // 3 → 6 → 4
                new ConvTranspose2dSpec(4, 3, 2, Conv2dPadding.Explicit, ExplicitPadding: 0), new Conv2dSpec(1, 2, Padding: Conv2dPadding.Valid), // 4 → 9 → 8
                new ActivationSpec(Activation.Sigmoid),
            ],
            Loss = AutoencoderLoss.BinaryCrossEntropy,
            Epochs = 8, BatchSize = 16, NumberOfThreads = 1,
        }).Fit(data);

        var epochs = transformer.Model.TrainingHistory!.Epochs;
        Assert.True(epochs[^1].TrainingLoss < epochs[0].TrainingLoss, $"loss {epochs[0].TrainingLoss} → {epochs[^1].TrainingLoss}");
        float[] batch = [.. rows.SelectMany(r => r.Pixels)];
        ExportParity.AssertScoresAlike(ml, transformer, data, batch);

        var imported = ExportParity.ImportedBack(transformer);
        // Ceil mode is compared by the geometry it gives, not by its flag: a ceil-mode pooling with no overhang (the decoder's
        // 6 → 4) computes what the same pooling without it does, and exports as that pooling.
        static (int, int, int, int, int, int, int)[] Pools(AutoencoderModel model) =>
            [.. model.Spec.Layers.OfType<AvgPool2dSpec>().Select(p => p.Geometry(p.InputShape!)).Select(g => (g.KernelHeight, g.Stride, g.PadTop, g.PadBottom, g.PadRight, g.OutputHeight, g.OutputWidth))];
        Assert.Equal(4, Pools(imported).Length);
        Assert.Equal(Pools(transformer.Model), Pools(imported));
        Assert.Contains(imported.Spec.Layers.OfType<AvgPool2dSpec>(), p => p.CeilMode); // the encoder's 4 → 3, whose overhang only ceil mode gives
        ColumnValues.AssertClose(transformer.Model.Reconstruct(batch, rows.Count), imported.Reconstruct(batch, rows.Count), "imported back", 0);
    }
}
