using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// GELU, SiLU and a clipped-linear activation (nn.Hardtanh's) put in EncoderLayers by a user (not only imported): the
/// network trains, its ONNX export scores alike in ONNX Runtime and through every reload (the activation is stored by its
/// name, the clip by its bounds), and the exported file imports back into the engine as the same activations with the
/// same reconstruction.
/// </summary>
public class GeluSiluNetworkTests
{
    [Fact]
    public void NetworkWithGeluAndSiluTrainsExportsAndImportsBack()
    {
        var ml = new MLContext(seed: 1);
        var rows = SyntheticData.Rows(240);
        var data = ml.Data.LoadFromEnumerable(rows);
        var transformer = ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            EncodedColumnName = "Code", ReconstructionColumnName = "Reconstruction", ReconstructionErrorColumnName = "Error",
            EncoderLayers =
            [
                new DenseSpec(8), new ActivationSpec(Activation.Gelu), new DenseSpec(6), new ClippedLinearSpec(-0.5f, 0.5f),
                new DenseSpec(3), new ActivationSpec(Activation.Silu),
            ],
            OutputActivation = AutoencoderActivation.Sigmoid, Epochs = 12, BatchSize = 16, NumberOfThreads = 1,
        }).Fit(data);

        var epochs = transformer.Model.TrainingHistory!.Epochs;
        Assert.True(epochs[^1].TrainingLoss < 0.8 * epochs[0].TrainingLoss, $"loss {epochs[0].TrainingLoss} → {epochs[^1].TrainingLoss}");
        float[] batch = [.. rows.SelectMany(r => r.Features)];
        ExportParity.AssertScoresAlike(ml, transformer, data, batch);

        var imported = ExportParity.ImportedBack(transformer);
        Assert.Equal(
            transformer.Model.Spec.Layers.OfType<ActivationSpec>().Select(a => a.Function),
            imported.Spec.Layers.OfType<ActivationSpec>().Select(a => a.Function));
        Assert.Contains(Activation.Gelu, imported.Spec.Layers.OfType<ActivationSpec>().Select(a => a.Function));
        Assert.Equal(transformer.Model.Spec.Layers.OfType<ClippedLinearSpec>().Select(c => (c.Lower, c.Upper)),
            imported.Spec.Layers.OfType<ClippedLinearSpec>().Select(c => (c.Lower, c.Upper)));
        Assert.Equal(2, imported.Spec.Layers.OfType<ClippedLinearSpec>().Count()); // the encoder's and its mirror's
        ColumnValues.AssertClose(transformer.Model.Reconstruct(batch, rows.Count), imported.Reconstruct(batch, rows.Count), "imported back", 0);
    }
}
