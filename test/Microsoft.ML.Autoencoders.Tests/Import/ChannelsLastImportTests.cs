using Microsoft.ML.Autoencoders.Onnx;
using Microsoft.ML.Autoencoders.Tests.Specs;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// Channels-last autoencoders, as Keras keeps images ([N, H, W, C]) and series ([N, L, C]): the Transposes that move the
/// channels in front of the first convolution and back after the last layer become the engine's reshape → transpose →
/// reshape (images) or transpose (series). The PyTorch files (x.permute, <see cref="TorchOnnxModels.ChannelsLast"/>) also run
/// through every test of <see cref="TorchOnnxImportTests"/>; the graph built here node by node is the pattern tf2onnx writes
/// for a Keras model (a stride-2 "same" Conv with its extra padding at the end, UpSampling2D as a nearest Resize with
/// asymmetric coordinates and floor, to sizes computed from the input's shape), held to ONNX Runtime.
/// </summary>
public sealed class ChannelsLastImportTests(ITestOutputHelper output)
{
    private const int Rows = 5, Side = 8, Channels = 2;

    [Fact]
    public void ChannelsLastConvolutionsImportWithTheCodeAtTheLastPooling()
    {
        var model = AutoencoderModel.ImportOnnx(TorchOnnxModels.Path("torch_conv_channels_last"));

        // x.permute(0, 3, 1, 2) of [16, 16, 3] is [256, 3] transposed; the code is the second pooling's output, channels-first
        // as the encoder gives it (4 × 4 × 4), and the decoder ends with the move back to [16, 16, 3].
        Assert.Equal(["reshape", "transpose", "reshape", "conv2d", "activation", "max_pool2d", "conv2d", "activation", "max_pool2d"], model.Spec.Encoder.Select(l => l.Kind));
        Assert.Equal(["upsample2d", "conv2d", "activation", "conv_transpose2d", "activation", "reshape", "transpose", "reshape"], model.Spec.Decoder.Select(l => l.Kind));
        Assert.Equal([16, 16, 3], model.Spec.InputShape.Dimensions);
        Assert.Equal([16, 16, 3], model.Spec.Layers.Last().OutputShape!.Dimensions);
        Assert.Equal(64, model.CodeSize);
    }

    [Fact]
    public void KerasStyleFlattenOfChannelsLastFeedsTheDenseCode()
    {
        var model = AutoencoderModel.ImportOnnx(TorchOnnxModels.Path("torch_conv_channels_last_dense"));

        // Transpose(0, 2, 3, 1) → Flatten before the dense code, Reshape → Transpose(0, 3, 1, 2) after it.
        Assert.Equal(["reshape", "transpose", "reshape", "conv2d", "activation", "reshape", "transpose", "reshape", "flatten", "dense", "activation"],
            model.Spec.Encoder.Select(l => l.Kind));
        Assert.Equal(["dense", "activation", "reshape", "reshape", "transpose", "reshape", "conv_transpose2d", "activation", "reshape", "transpose", "reshape"],
            model.Spec.Decoder.Select(l => l.Kind));
        Assert.Equal(6, model.CodeSize);
    }

    [Fact]
    public void ChannelsLastSeriesIsOneTransposeIntoConv1d()
    {
        var model = AutoencoderModel.ImportOnnx(TorchOnnxModels.Path("torch_conv1d_channels_last"));

        Assert.Equal(["transpose", "conv1d", "activation", "conv1d", "activation", "flatten", "dense", "activation"], model.Spec.Encoder.Select(l => l.Kind));
        Assert.Equal("transpose", model.Spec.Decoder[^1].Kind);
        Assert.Equal(6, model.CodeSize);
    }

    [Fact]
    public void FineTunedImportExportsAndReadsBackAsTheEngineScores()
    {
        var ml = new MLContext(seed: 1);
        var (expected, imported, before, data) = TorchOnnxModels.Import("torch_conv_channels_last", ml);

        var tuned = ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            InitialModel = imported, EncodedColumnName = "Code", ReconstructionColumnName = "Reconstruction", ReconstructionErrorColumnName = "Error",
            Epochs = 5, BatchSize = 4, LearningRate = 3e-3f, NumberOfThreads = 1,
        }).Fit(data);

        var losses = tuned.Model.TrainingHistory!.Epochs.Select(e => e.TrainingLoss).ToArray();
        float after = tuned.Model.ReconstructionErrors(expected.FlatInput, expected.Rows).Average();
        output.WriteLine($"imported MSE {before:G6}; epoch losses {string.Join(", ", losses.Select(l => l.ToString("G6")))}; tuned MSE {after:G6}");
        // The first epoch starts from the imported weights (its mean loss is near their MSE, not a fresh draw's); then every
        // epoch lowers it. (Uniform noise as input leaves little to learn: the drop is small but steady.)
        Assert.InRange(losses[0], before * 0.95, before * 1.05);
        Assert.All(losses.Zip(losses.Skip(1)), pair => Assert.True(pair.Second < pair.First, $"Epoch losses {string.Join(", ", losses)} do not fall."));
        Assert.True(after < before, $"Fine-tuning took the MSE from {before} to {after}.");

        // ONNX Runtime on the export gives the engine's reconstruction and code; the typed reload and Model.Save/Load too.
        var reloaded = ExportParity.AssertScoresAlike(ml, tuned, data, expected.FlatInput);
        Assert.Equal(["reshape", "transpose", "reshape"], reloaded.Model.Spec.Encoder.Take(3).Select(l => l.Kind));
        float[] engine = tuned.Model.Reconstruct(expected.FlatInput, expected.Rows);

        // The export's Transpose(0, 2, 1) between reshapes reads back as the engine's transpose layer.
        var back = ExportParity.ImportedBack(tuned);
        Assert.Equal(2, back.Spec.Layers.Count(l => l.Kind == "transpose"));
        ColumnValues.AssertClose(engine, back.Reconstruct(expected.FlatInput, expected.Rows), "imported back vs engine");
        Assert.Equal(tuned.Model.CodeSize, back.CodeSize);
    }

    [Theory]
    [InlineData("pads", "sizes")]        // tf2onnx with the input's size known: pads [0, 0, 1, 1]; opset 11+'s Resize to sizes
    [InlineData("SAME_UPPER", "sizes")]  // with the size unknown when converting: auto_pad
    [InlineData("pads", "scales")]       // Resize by constant scales [1, 1, 2, 2]
    public void Tf2OnnxKerasPatternScoresAsOnnxRuntime(string padding, string resizeBy)
    {
        byte[] onnx = KerasConvAutoencoder(padding, resizeBy);

        var model = AutoencoderModel.ImportOnnx(onnx);
        using var runtime = OnnxAutoencoderModel.Load(onnx, "input", "output");

        output.WriteLine(string.Join(" → ", model.Spec.Layers.Select(l => l.Kind)));
        Assert.Equal(["reshape", "transpose", "reshape", "conv2d", "activation"], model.Spec.Encoder.Select(l => l.Kind));
        Assert.Equal(4 * 4 * 4, model.CodeSize); // the strided conv's ReLU: 8 × 8 "same" at stride 2 gives 4 × 4
        float[] rows = Values(Rows * Side * Side * Channels, 7);
        ColumnValues.AssertClose(runtime.Reconstruct(rows, Rows), model.Reconstruct(rows, Rows), "engine vs ONNX Runtime");
    }

    [Fact]
    public void CodeCarriesThroughTheMoveBackToChannelsLast()
    {
        // Conv → ReLU is the narrowest (4 × 4 × 4); Keras flattens it channels-last (Transpose(0, 2, 3, 1) → Flatten) into a
        // wider dense layer. The code is the encoder's output as Keras has it, channels-last and flat, not a reshape halfway
        // through the move.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("input", [-1, Side, Side, Channels]).AddOutput("output", [-1, Side, Side, Channels]);
        g.AddNode("Transpose", ["input"], ["nchw"], attributes: [OnnxAttribute.FromInts("perm", 0, 3, 1, 2)]);
        g.AddInitializer("w1", [4, Channels, 3, 3], Values(4 * Channels * 9, 1)).AddInitializer("b1", [4], Values(4, 2));
        g.AddNode("Conv", ["nchw", "w1", "b1"], ["c1"], attributes: [OnnxAttribute.FromInts("strides", 2, 2), OnnxAttribute.FromInts("pads", 0, 0, 1, 1)]);
        g.AddNode("Relu", ["c1"], ["code"]);
        g.AddNode("Transpose", ["code"], ["nhwc"], attributes: [OnnxAttribute.FromInts("perm", 0, 2, 3, 1)]);
        g.AddNode("Flatten", ["nhwc"], ["flat"], attributes: [OnnxAttribute.FromInt("axis", 1)]);
        const int Width = Side * Side * Channels;
        g.AddInitializer("w2", [64, Width], Values(64 * Width, 3)).AddInitializer("b2", [Width], Values(Width, 4));
        g.AddNode("MatMul", ["flat", "w2"], ["wide"]);
        g.AddNode("Add", ["wide", "b2"], ["biased"]);
        g.AddInt64Initializer("image", [4], [-1, Side, Side, Channels]);
        g.AddNode("Reshape", ["biased", "image"], ["output"]);
        byte[] onnx = g.ToByteArray();

        var model = AutoencoderModel.ImportOnnx(onnx);
        using var runtime = OnnxAutoencoderModel.Load(onnx, "input", "output");

        Assert.Equal(["reshape", "transpose", "reshape", "conv2d", "activation", "reshape", "transpose", "reshape", "flatten"], model.Spec.Encoder.Select(l => l.Kind));
        Assert.Equal(["dense", "reshape"], model.Spec.Decoder.Select(l => l.Kind));
        float[] rows = Values(Rows * Width, 7);
        ColumnValues.AssertClose(runtime.Reconstruct(rows, Rows), model.Reconstruct(rows, Rows), "engine vs ONNX Runtime");
    }

    [Theory]
    [InlineData(new long[] { 0, 1, 3, 2 }, "perm [0, 1, 3, 2] of rows [N, 2, 8, 8]")] // swaps height and width
    [InlineData(null, "perm none (reversed axes)")]
    public void OtherPermutationsAreRefusedNamingTheOnesThatImport(long[]? perm, string expected)
    {
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("input", [-1, Side, Side, Channels]).AddOutput("output", [-1, Channels, Side, Side]);
        g.AddNode("Transpose", ["input"], ["nchw"], attributes: [OnnxAttribute.FromInts("perm", 0, 3, 1, 2)]);
        g.AddInitializer("w", [Channels, Channels, 3, 3], Values(Channels * Channels * 9, 1));
        g.AddNode("Conv", ["nchw", "w"], ["conv"], attributes: [OnnxAttribute.FromInts("pads", 1, 1, 1, 1)]);
        g.AddNode("Transpose", ["conv"], ["output"], name: "swap", attributes: perm is null ? [] : [OnnxAttribute.FromInts("perm", perm)]);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        output.WriteLine(e.Message);
        Assert.Contains($"Node 'swap' (Transpose): {expected}", e.Message);
        Assert.Contains("perm [0, 3, 1, 2] of images [N, H, W, C]", e.Message);
    }

    [Fact]
    public void ZeroPaddingInFrontOfAConvolutionFoldsIntoIt()
    {
        // Keras's ZeroPadding2D (tf2onnx: a Pad node, after the move to channels-first) before a "valid" Conv: the Pad's
        // zeros become the convolution's padding (PaddedConvolutionImportTests has the other forms).
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("input", [-1, Side, Side, Channels]).AddOutput("output", [-1, Side, Side, Channels]);
        g.AddNode("Transpose", ["input"], ["nchw"], attributes: [OnnxAttribute.FromInts("perm", 0, 3, 1, 2)]);
        g.AddInt64Initializer("pads", [8], [0, 0, 1, 1, 0, 0, 1, 1]);
        g.AddNode("Pad", ["nchw", "pads"], ["padded"], name: "zero_padding");
        g.AddInitializer("w", [Channels, Channels, 3, 3], Values(Channels * Channels * 9, 1));
        g.AddNode("Conv", ["padded", "w"], ["conv"]);
        g.AddNode("Transpose", ["conv"], ["output"], attributes: [OnnxAttribute.FromInts("perm", 0, 2, 3, 1)]);
        byte[] onnx = g.ToByteArray();

        var model = AutoencoderModel.ImportOnnx(onnx);
        using var runtime = OnnxAutoencoderModel.Load(onnx, "input", "output");

        Assert.Equal(["reshape", "transpose", "reshape", "conv2d", "reshape", "transpose", "reshape"], model.Spec.Layers.Select(l => l.Kind));
        float[] rows = Values(Rows * Side * Side * Channels, 7);
        ColumnValues.AssertClose(runtime.Reconstruct(rows, Rows), model.Reconstruct(rows, Rows), "engine vs ONNX Runtime");
    }

    /// <summary>
    /// What tf2onnx writes for Conv2D(4, 3, strides=2, padding="same", activation="relu") → UpSampling2D(2) →
    /// Conv2D(2, 3, padding="same", activation="sigmoid") over [N, 8, 8, 2], after its optimizer has pushed the
    /// transposes to the ends.
    /// </summary>
    private static byte[] KerasConvAutoencoder(string padding, string resizeBy)
    {
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("input", [-1, Side, Side, Channels]).AddOutput("output", [-1, Side, Side, Channels]);
        g.AddNode("Transpose", ["input"], ["nchw"], attributes: [OnnxAttribute.FromInts("perm", 0, 3, 1, 2)]);
        g.AddInitializer("w1", [4, Channels, 3, 3], Values(4 * Channels * 9, 1)).AddInitializer("b1", [4], Values(4, 2));
        // "same" over 8 at stride 2 with a kernel of 3 pads 1 in all, at the end (bottom/right), as TensorFlow does.
        var strided = new List<OnnxAttribute> { OnnxAttribute.FromInts("strides", 2, 2), OnnxAttribute.FromInts("kernel_shape", 3, 3), OnnxAttribute.FromInts("dilations", 1, 1), OnnxAttribute.FromInt("group", 1) };
        strided.Add(padding == "pads" ? OnnxAttribute.FromInts("pads", 0, 0, 1, 1) : OnnxAttribute.FromString("auto_pad", "SAME_UPPER"));
        g.AddNode("Conv", ["nchw", "w1", "b1"], ["c1"], attributes: strided);
        g.AddNode("Relu", ["c1"], ["code"]);
        g.AddInitializer("roi", [0], []);
        if (resizeBy == "sizes")
        {
            // Shape → Slice [0, 2) → Concat with the new height and width: [N, C, 8, 8]; the scales input an empty constant.
            g.AddInitializer("no_scales", [0], []);
            g.AddNode("Shape", ["code"], ["code_shape"]);
            g.AddInt64Initializer("zero", [1], [0]).AddInt64Initializer("two", [1], [2]).AddInt64Initializer("new_size", [2], [Side, Side]);
            g.AddNode("Slice", ["code_shape", "zero", "two"], ["batch_and_channels"]);
            g.AddNode("Concat", ["batch_and_channels", "new_size"], ["sizes"], attributes: [OnnxAttribute.FromInt("axis", 0)]);
            g.AddNode("Resize", ["code", "roi", "no_scales", "sizes"], ["up"], attributes: ResizeAttributes());
        }
        else
        {
            g.AddInitializer("scales", [4], [1, 1, 2, 2]);
            g.AddNode("Resize", ["code", "roi", "scales"], ["up"], attributes: ResizeAttributes());
        }
        g.AddInitializer("w2", [Channels, 4, 3, 3], Values(Channels * 4 * 9, 3)).AddInitializer("b2", [Channels], Values(Channels, 4));
        g.AddNode("Conv", ["up", "w2", "b2"], ["c2"], attributes: [OnnxAttribute.FromInts("pads", 1, 1, 1, 1), OnnxAttribute.FromInts("kernel_shape", 3, 3)]);
        g.AddNode("Sigmoid", ["c2"], ["nchw_out"]);
        g.AddNode("Transpose", ["nchw_out"], ["output"], attributes: [OnnxAttribute.FromInts("perm", 0, 2, 3, 1)]);
        return g.ToByteArray();
    }

    private static OnnxAttribute[] ResizeAttributes() =>
    [
        OnnxAttribute.FromString("mode", "nearest"), OnnxAttribute.FromString("coordinate_transformation_mode", "asymmetric"),
        OnnxAttribute.FromString("nearest_mode", "floor"), OnnxAttribute.FromInt("exclude_outside", 0),
    ];

    private static float[] Values(int count, int seed) => [.. Enumerable.Range(0, count).Select(i => MathF.Sin(1.7f * i + 0.9f * seed))];
}
