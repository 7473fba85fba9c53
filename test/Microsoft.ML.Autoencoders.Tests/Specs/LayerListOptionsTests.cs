using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>The estimator's explicit layer lists: asymmetric networks, input shapes, and errors that name the option or layer.</summary>
public class LayerListOptionsTests
{
    [Fact]
    public void ExplicitEncoderAndDecoderBuildThatNetwork()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 120);
        var transformer = ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            ReconstructionColumnName = "Reconstruction",
            EncoderLayers = [new DenseSpec(6), new ActivationSpec(Activation.Relu), new DenseSpec(2)],
            DecoderLayers = [new DenseSpec(SyntheticData.Width), new ActivationSpec(Activation.Sigmoid)],
            Epochs = 2, NumberOfThreads = 1,
        }).Fit(data);
        Assert.Equal([SyntheticData.Width, 6, 2, SyntheticData.Width], transformer.Model.LayerWidths);
        Assert.Equal(2, transformer.Model.CodeSize);
        Assert.All(ColumnValues.Vectors(transformer.Transform(data), "Reconstruction").SelectMany(r => r), v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void ConflictingOptionsAreRefusedUpFront()
    {
        var ml = new MLContext();
        var both = Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            EncoderLayers = [new DenseSpec(4)], HiddenLayerSizes = [8],
        }));
        Assert.Contains("EncoderLayers", both.Message);
        Assert.Contains("HiddenLayerSizes", both.Message);

        var decoderOnly = Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(new AutoencoderOptions { DecoderLayers = [new DenseSpec(4)] }));
        Assert.Contains("DecoderLayers needs EncoderLayers", decoderOnly.Message);

        var dropout = Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(new AutoencoderOptions { EncoderLayers = [new DenseSpec(4)], DropoutRate = 0.2f }));
        Assert.Contains("DropoutSpec", dropout.Message);
    }

    [Fact]
    public void ShapesAreCheckedAgainstTheColumnAtFit()
    {
        var ml = new MLContext();
        var data = SyntheticData.DataView(ml, 20);
        var wrongSize = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            EncoderLayers = [new DenseSpec(4)], InputShape = [25],
        }).Fit(data));
        Assert.Contains("[25]", wrongSize.Message);
        Assert.Contains("'Features'", wrongSize.Message);

        // [3, 4] holds the column's 12 values, but a dense layer takes flat rows: the error names the layer and both shapes.
        var notFlat = Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            EncoderLayers = [new DenseSpec(4)], InputShape = [3, 4],
        }));
        Assert.Contains("'encoder.0' (dense", notFlat.Message);
        Assert.Contains("[3, 4]", notFlat.Message);
    }
}
