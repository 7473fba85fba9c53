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

        var codeSize = Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(new AutoencoderOptions { EncoderLayers = [new DenseSpec(4)], CodeSize = 8 }));
        Assert.Contains("CodeSize", codeSize.Message);

        var tied = Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            EncoderLayers = [new DenseSpec(4)], DecoderLayers = [new DenseSpec(12)], TiedWeights = true,
        }));
        Assert.Contains("TiedDenseSpec", tied.Message);

        var shaped = Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(new AutoencoderOptions { InputShape = [3, 4] }).Fit(SyntheticData.DataView(ml, 10)));
        Assert.Contains("FlattenSpec", shaped.Message);

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

    [Fact]
    public void ShapedRowsTrainThroughAFlattenAndExport()
    {
        var ml = new MLContext(seed: 1);
        var rows = SyntheticData.Rows(120);
        var data = ml.Data.LoadFromEnumerable(rows);
        var transformer = ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            ReconstructionColumnName = "Reconstruction", InputShape = [3, 4],
            EncoderLayers = [new FlattenSpec(), new DenseSpec(6), new ActivationSpec(Activation.Relu), new DenseSpec(3)],
            OutputActivation = AutoencoderActivation.Sigmoid, Epochs = 2, NumberOfThreads = 1,
        }).Fit(data);
        Assert.Equal("[3, 4]", transformer.Model.Spec.InputShape.ToString());
        Assert.Equal("reshape", transformer.Model.Spec.Decoder[^2].Kind);

        using var onnx = new MemoryStream();
        transformer.SaveAsOnnx(onnx);
        onnx.Position = 0;
        var reloaded = AutoencoderTransformer.LoadOnnx(onnx);
        Assert.Equal(transformer.Model.Spec, reloaded.Model.Spec);
        ColumnValues.AssertClose(ColumnValues.Vectors(transformer.Transform(data), "Reconstruction"), ColumnValues.Vectors(reloaded.Transform(data), "Reconstruction"), "reloaded", 0);
    }
}
