using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Specs;

/// <summary>Convolution blocks to layer specs: the Keras blog's network exactly, strided blocks, and the sizes that cannot mirror.</summary>
public class ConvolutionalArchitectureTests
{
    private static string Describe(IEnumerable<LayerSpec> layers) => string.Join(" ", layers.Select(l => l switch
    {
        Conv2dSpec c => $"conv{c.Filters}{(c.Padding == Conv2dPadding.Valid ? "v" : "")}",
        ConvTranspose2dSpec t => $"convT{t.Filters}",
        MaxPool2dSpec => "pool",
        Upsample2dSpec => "up",
        ActivationSpec a => a.Function.ToString().ToLowerInvariant(),
        DropoutSpec => "drop",
        _ => l.Kind,
    }));

    [Fact]
    public void KerasBlogBlocks_GiveTheBlogsNetwork()
    {
        var spec = new ConvolutionalArchitecture { InputShape = new TensorShape(1, 28, 28), Blocks = [new(16), new(8), new(8)] }.ToSpec();

        Assert.Equal("conv16 relu pool conv8 relu pool conv8 relu pool", Describe(spec.Encoder));
        Assert.Equal("[8, 4, 4]", spec.CodeShape.ToString());
        // 4 → 8 → 16, a valid convolution trims to 14, then 28: the blog's decoder, sizes and all.
        Assert.Equal("conv8 relu up conv8 relu up conv16v relu up conv1 sigmoid", Describe(spec.Decoder));
        Assert.Equal(["[8, 8, 8]", "[8, 16, 16]", "[16, 28, 28]"],
            spec.Decoder.OfType<Upsample2dSpec>().Select(l => l.OutputShape!.ToString()));
    }

    [Fact]
    public void StridedBlocks_AreUndoneByTransposedConvolutions_EvenOnOddSizes()
    {
        var spec = new ConvolutionalArchitecture
        {
            InputShape = new TensorShape(3, 7, 7), Blocks = [new(8, 3, Stride: 2, Pooling: 1), new(4, 3, Stride: 2, Pooling: 1)],
            OutputActivation = Activation.Linear, DropoutRate = 0.1f,
        }.ToSpec();

        Assert.Equal("[4, 2, 2]", spec.CodeShape.ToString());
        Assert.Equal("conv8 relu drop conv4 relu drop", Describe(spec.Encoder));
        Assert.Equal("convT4 relu drop convT8 relu drop conv3", Describe(spec.Decoder));
        var transposed = spec.Decoder.OfType<ConvTranspose2dSpec>().ToArray();
        Assert.Equal("[4, 4, 4]", transposed[0].OutputShape!.ToString()); // Keras "same": 2 × 2
        Assert.Equal("[8, 7, 7]", transposed[1].OutputShape!.ToString()); // 4 → 7: padding 1, no output padding
        Assert.Equal(spec.InputShape, spec.Decoder[^1].OutputShape);
    }

    [Fact]
    public void StridedBlock_OnAnOddByEvenImage_IsUndoneToItsSize()
    {
        // 33 → 17 needs padding 1 and no output padding back, 30 → 15 padding 1 and output padding 1: no one padding
        // serves both axes, so the decoder takes the convolution's own "same" pads, one side at a time.
        var spec = new ConvolutionalArchitecture
        {
            InputShape = new TensorShape(3, 33, 30), Blocks = [new(8, 3, Stride: 2, Pooling: 1)],
        }.ToSpec();

        Assert.Equal("[8, 17, 15]", spec.CodeShape.ToString());
        var transposed = Assert.Single(spec.Decoder.OfType<ConvTranspose2dSpec>());
        Assert.Equal("[8, 33, 30]", transposed.OutputShape!.ToString());
        Assert.Equal(new Conv2dPads(Top: 1, Left: 0, Bottom: 1, Right: 1), transposed.ExplicitPads);
        Assert.Equal(0, transposed.OutputPadding);
        Assert.Equal(spec.InputShape, spec.Decoder[^1].OutputShape);
    }

    [Fact]
    public void BlocksThatCannotMirror_AreRefusedWithTheSizes()
    {
        var both = Assert.Throws<ArgumentException>(() =>
            new ConvolutionalArchitecture { InputShape = new TensorShape(1, 8, 8), Blocks = [new(4, 3, Stride: 2, Pooling: 2)] }.ToSpec());
        Assert.Contains("both strides and pools", both.Message);

        // 5 → 3 (ceil) → 2; back: 2 → 4 → 8, or trimmed 0 → 0: neither ends on 5.
        var sizes = Assert.Throws<ArgumentException>(() =>
            new ConvolutionalArchitecture { InputShape = new TensorShape(1, 5, 5), Blocks = [new(4), new(4)] }.ToSpec());
        Assert.Contains("5×5", sizes.Message);

        var flat = Assert.Throws<ArgumentException>(() => new ConvolutionalArchitecture { InputShape = new TensorShape(784), Blocks = [new(4)] }.ToSpec());
        Assert.Contains("[784]", flat.Message);

        // A ceil-mode pool after a strided block leaves the decoder bigger than the stride gave (9×14 → 5×7 → 3×4 → 6×8):
        // refused naming the block, not as a negative output padding of a layer the user never wrote.
        var pooledAfterStride = Assert.Throws<ArgumentException>(() => new ConvolutionalArchitecture
        {
            InputShape = new TensorShape(2, 9, 14), Blocks = [new(3, 5, Stride: 2, Pooling: 1), new(2, 5, 1, 2)],
        }.ToSpec());
        Assert.Contains("Convolution block 0", pooledAfterStride.Message);
    }

    [Fact]
    public void BlockSpecs_BuildATrainableNetwork()
    {
        var spec = new ConvolutionalArchitecture { InputShape = new TensorShape(2, 8, 8), Blocks = [new(4), new(4, 3, Stride: 2, Pooling: 1)] }.ToSpec();
        var network = Models.AutoencoderNetwork.Create(spec, seed: 3);
        Assert.Equal(2 * 8 * 8, network.InputSize);
        Assert.Equal(4 * 2 * 2, network.CodeSize);
        Assert.Equal(spec, NetworkSpec.FromJson(spec.ToJson()));
    }
}
