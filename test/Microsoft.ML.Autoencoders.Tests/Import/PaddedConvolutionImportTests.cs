using Microsoft.ML.Autoencoders.Onnx;
using Microsoft.ML.Autoencoders.Tests.Specs;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// The paddings models made elsewhere write around convolutions, built node by node and held to ONNX Runtime running the
/// same bytes: a Pad of zeros in front of a Conv (Keras' ZeroPadding2D through tf2onnx; PyTorch's nn.ZeroPad2d and F.pad are
/// exported files in <see cref="TorchOnnxImportTests"/>) folds into the convolution's padding; a ConvTranspose given by
/// output_shape (tf2onnx's Conv2DTranspose), auto_pad or unequal pads imports as the engine's transposed convolution where
/// one of its paddings drops and keeps the same positions, per side where no equal padding does. Unequal pads and the
/// causal Pad before a sequence's Conv import as the engine's per-side and causal paddings. What no engine padding gives (a
/// mode other than zeros, a crop, an output longer than the full one by the stride) is refused by name.
/// </summary>
public sealed class PaddedConvolutionImportTests(ITestOutputHelper output)
{
    private const int Rows = 5, Side = 8, Channels = 2, Filters = 4;

    [Theory]
    [InlineData(new long[] { 0, 0, 1, 1, 0, 0, 1, 1 }, 1, 0, "Explicit", 8)]  // ZeroPadding2D(1) → Conv2D(3, "valid")
    [InlineData(new long[] { 0, 0, 0, 0, 0, 0, 1, 1 }, 2, 0, "Same", 4)]      // ZeroPadding2D(((0, 1), (0, 1))) → stride 2: TensorFlow's "same"
    [InlineData(new long[] { 0, 0, 1, 1, 0, 0, 0, 0 }, 2, 0, "Explicit", 4)]  // a zero at the start only: the end's would be unread at stride 2
    [InlineData(new long[] { 0, 0, 1, 1, 0, 0, 1, 1 }, 1, 1, "Explicit", 8)]  // the Pad's 1 and the Conv's own pads of 1: 2 on every side, kernel 5
    [InlineData(new long[] { 0, 0, 2, 2, 0, 0, 2, 2 }, 2, 0, "Explicit", 5)]
    public void PadOfZerosFoldsIntoTheConvolution(long[] pads, int stride, int ownPads, string padding, int codeSide)
    {
        int kernel = ownPads > 0 ? 5 : 3;
        var g = ImageGraph(opset: 13);
        g.AddInt64Initializer("pads", [8], pads);
        g.AddNode("Pad", ["x", "pads"], ["padded"], name: "zero_padding");
        AddConv(g, "padded", kernel, stride, ownPads);
        AddDenseBackToImages(g, codeSide);
        byte[] onnx = g.ToByteArray();

        var model = AssertScoresAsOnnxRuntime(onnx, Side * Side * Channels);

        var conv = Assert.IsType<Engine.Layers.Conv2dSpec>(model.Spec.Layers.First());
        Assert.Equal(padding, conv.Padding.ToString());
        Assert.Equal([Filters, codeSide, codeSide], conv.OutputShape!.Dimensions);
    }

    [Theory]
    [InlineData(10, "attribute")] // pads and value as attributes, before opset 11
    [InlineData(18, "axes")]      // opset 18's axes input: pads [1, 1, 1, 1] for axes [2, 3] only
    [InlineData(13, "value")]     // the constant value input, 0
    public void EveryFormOfThePadNodeFolds(int opset, string form)
    {
        var g = ImageGraph(opset);
        switch (form)
        {
            case "attribute":
                g.AddNode("Pad", ["x"], ["padded"], attributes: [OnnxAttribute.FromInts("pads", 0, 0, 1, 1, 0, 0, 1, 1), OnnxAttribute.FromFloat("value", 0f)]);
                break;
            case "axes":
                g.AddInt64Initializer("pads", [4], [1, 1, 1, 1]).AddInt64Initializer("axes", [2], [-2, 3]);
                g.AddNode("Pad", ["x", "pads", "", "axes"], ["padded"]);
                break;
            default:
                g.AddInt64Initializer("pads", [8], [0, 0, 1, 1, 0, 0, 1, 1]).AddInitializer("zero", [], [0f]);
                g.AddNode("Pad", ["x", "pads", "zero"], ["padded"], attributes: [OnnxAttribute.FromString("mode", "constant")]);
                break;
        }
        AddConv(g, "padded", kernel: 3, stride: 1, ownPads: 0);
        AddDenseBackToImages(g, 8);

        var model = AssertScoresAsOnnxRuntime(g.ToByteArray(), Side * Side * Channels);

        var conv = Assert.IsType<Engine.Layers.Conv2dSpec>(model.Spec.Layers.First());
        // Pads equal on every side are the one ExplicitPadding, never equal ExplicitPads (onnx.md says so).
        Assert.Equal((Engine.Layers.Conv2dPadding.Explicit, 1, (Engine.Layers.Conv2dPads?)null), (conv.Padding, conv.ExplicitPadding, conv.ExplicitPads));
    }

    [Theory]
    [InlineData(new long[] { 0, 0, 1, 0, 0, 1 }, 3, 1, "Explicit", 9)]
    [InlineData(new long[] { 0, 0, 0, 0, 0, 1 }, 2, 2, "Same", 5)] // a kernel of 2 over 9 at stride 2, "same": the one zero at the end
    public void PadOfZerosFoldsIntoASequenceConvolution(long[] pads, int kernel, int stride, string padding, int codeLength)
    {
        const int Length = 9;
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, Channels, Length]).AddOutput("y", [-1, Channels, Length]);
        g.AddInt64Initializer("pads", [6], pads);
        g.AddNode("Pad", ["x", "pads"], ["padded"]);
        g.AddInitializer("w1", [Filters, Channels, kernel], Values(Filters * Channels * kernel, 1)).AddInitializer("b1", [Filters], Values(Filters, 2));
        g.AddNode("Conv", ["padded", "w1", "b1"], ["c1"], attributes: [OnnxAttribute.FromInts("strides", stride)]);
        g.AddNode("Relu", ["c1"], ["code"]);
        AddDenseBack(g, Filters * codeLength, [-1, Channels, Length]);

        var model = AssertScoresAsOnnxRuntime(g.ToByteArray(), Channels * Length);

        var conv = Assert.IsType<Engine.Layers.Conv1dSpec>(model.Spec.Layers.First());
        Assert.Equal(padding, conv.Padding.ToString());
        Assert.Equal([Filters, codeLength], conv.OutputShape!.Dimensions);
    }

    [Theory]
    [InlineData("output_shape", 3, null, 0)]   // tf2onnx's Conv2DTranspose(3, strides=2, padding="same"): an odd padding to drop
    [InlineData("output_shape", 4, null, 0)]   // kernel 4: an even one
    [InlineData("SAME_UPPER", 3, null, 0)]
    [InlineData("SAME_LOWER", 3, null, 0)]
    [InlineData("SAME_UPPER", 4, null, 0)]
    [InlineData("pads", 3, new long[] { 0, 0, 1, 1 }, 0)]  // "same"'s crop written as pads
    [InlineData("pads", 3, new long[] { 1, 1, 0, 0 }, 0)]  // unequal pads: padding 1 with output_padding 1
    [InlineData("pads", 3, new long[] { 0, 0, 2, 2 }, 1)]  // unequal pads with output_padding: "same"
    [InlineData("pads", 3, new long[] { 1, 1, 1, 1 }, 1)]  // nn.ConvTranspose2d(3, stride=2, padding=1, output_padding=1)
    public void TransposedConvolutionPaddingsImport(string form, int kernel, long[]? pads, int outputPadding)
    {
        // A strided "same" Conv down to 4×4, the ConvTranspose back up to 8×8, sigmoid.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, Channels, Side, Side]).AddOutput("y", [-1, Channels, Side, Side]);
        AddConv(g, "x", 3, 2, ownPads: 0, autoPad: "SAME_UPPER", output: "code");
        var attributes = new List<OnnxAttribute> { OnnxAttribute.FromInts("strides", 2, 2), OnnxAttribute.FromInts("kernel_shape", kernel, kernel) };
        if (form == "output_shape") attributes.Add(OnnxAttribute.FromInts("output_shape", Side, Side));
        else if (form == "pads") attributes.Add(OnnxAttribute.FromInts("pads", pads!));
        else attributes.Add(OnnxAttribute.FromString("auto_pad", form));
        if (outputPadding > 0) attributes.Add(OnnxAttribute.FromInts("output_padding", outputPadding, outputPadding));
        g.AddInitializer("wt", [Filters, Channels, kernel, kernel], Values(Filters * Channels * kernel * kernel, 5)).AddInitializer("bt", [Channels], Values(Channels, 6));
        g.AddNode("ConvTranspose", ["code", "wt", "bt"], ["up"], name: "deconv", attributes: attributes);
        g.AddNode("Sigmoid", ["up"], ["y"]);

        var model = AssertScoresAsOnnxRuntime(g.ToByteArray(), Side * Side * Channels);

        Assert.Equal(["conv_transpose2d", "activation"], model.Spec.Decoder.Select(l => l.Kind));
        Assert.Equal([Channels, Side, Side], model.Spec.Layers.Last().OutputShape!.Dimensions);
    }

    [Fact]
    public void TransposedSequenceConvolutionByOutputShapeImports()
    {
        // Conv1DTranspose(2, 3, strides=2, padding="same") as tf2onnx writes it: output_shape [8] from [4].
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, Channels, 8]).AddOutput("y", [-1, Channels, 8]);
        g.AddInitializer("w1", [Filters, Channels, 3], Values(Filters * Channels * 3, 1)).AddInitializer("b1", [Filters], Values(Filters, 2));
        g.AddNode("Conv", ["x", "w1", "b1"], ["c1"], attributes: [OnnxAttribute.FromInts("strides", 2), OnnxAttribute.FromString("auto_pad", "SAME_UPPER")]);
        g.AddNode("Relu", ["c1"], ["code"]);
        g.AddInitializer("wt", [Filters, Channels, 3], Values(Filters * Channels * 3, 5));
        g.AddNode("ConvTranspose", ["code", "wt"], ["y"], attributes: [OnnxAttribute.FromInts("strides", 2), OnnxAttribute.FromInts("output_shape", 8)]);

        var model = AssertScoresAsOnnxRuntime(g.ToByteArray(), Channels * 8);

        Assert.Equal("conv_transpose1d", model.Spec.Decoder[^1].Kind);
    }

    [Fact]
    public void KerasPatternFineTunesAndExportsAsTheEngineScores()
    {
        // ZeroPadding2D(((0, 1), (0, 1))) → Conv2D(4, 3, strides=2) → ReLU, Conv2DTranspose(2, 3, strides=2, padding="same")
        // → sigmoid, as tf2onnx writes them (Pad, Conv, ConvTranspose with output_shape).
        var g = ImageGraph(opset: 13);
        g.AddInt64Initializer("pads", [8], [0, 0, 0, 0, 0, 0, 1, 1]);
        g.AddNode("Pad", ["x", "pads"], ["padded"]);
        AddConv(g, "padded", kernel: 3, stride: 2, ownPads: 0, output: "code");
        g.AddInitializer("wt", [Filters, Channels, 3, 3], Values(Filters * Channels * 9, 5)).AddInitializer("bt", [Channels], Values(Channels, 6));
        g.AddNode("ConvTranspose", ["code", "wt", "bt"], ["up"], attributes: [OnnxAttribute.FromInts("strides", 2, 2), OnnxAttribute.FromInts("output_shape", Side, Side)]);
        g.AddNode("Sigmoid", ["up"], ["y"]);
        var imported = AssertScoresAsOnnxRuntime(g.ToByteArray(), Side * Side * Channels);
        const int Width = Side * Side * Channels;
        float[][] rows = [.. Enumerable.Range(0, 16).Select(r => Values(Width, 20 + r).Select(v => 0.5f + 0.5f * v).ToArray())];
        float[] flat = [.. rows.SelectMany(r => r)];
        float before = imported.ReconstructionErrors(flat, rows.Length).Average();
        var ml = new MLContext(seed: 1);
        var data = ImportData.Of(ml, rows, Width);

        var tuned = ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            InitialModel = imported, EncodedColumnName = "Code", ReconstructionColumnName = "Reconstruction", ReconstructionErrorColumnName = "Error",
            Epochs = 5, BatchSize = 4, LearningRate = 3e-3f, NumberOfThreads = 1,
        }).Fit(data);

        var losses = tuned.Model.TrainingHistory!.Epochs.Select(e => e.TrainingLoss).ToArray();
        float after = tuned.Model.ReconstructionErrors(flat, rows.Length).Average();
        output.WriteLine($"imported MSE {before:G6}; epoch losses {string.Join(", ", losses.Select(l => l.ToString("G6")))}; tuned MSE {after:G6}");
        Assert.True(after < before, $"Fine-tuning took the MSE from {before} to {after}.");
        // ONNX Runtime on the export gives the engine's reconstruction and code; the typed reload and Model.Save/Load too.
        ExportParity.AssertScoresAlike(ml, tuned, data, flat);
    }

    [Theory]
    [InlineData("reflect", null, new long[] { 0, 0, 1, 1, 0, 0, 1, 1 }, "mode 'reflect' pads with the rows' own values")]
    [InlineData("edge", null, new long[] { 0, 0, 1, 1, 0, 0, 1, 1 }, "mode 'edge' pads with the rows' own values")]
    [InlineData("constant", 1f, new long[] { 0, 0, 1, 1, 0, 0, 1, 1 }, "pads with a value other than 0")]
    [InlineData("constant", null, new long[] { 0, 1, 1, 1, 0, 1, 1, 1 }, "pad the batch or channel axis")]
    [InlineData("constant", null, new long[] { 0, 0, -1, -1, 0, 0, 0, 0 }, "which crops the rows")]
    public void PaddingNoEngineLayerHasIsRefusedByName(string mode, float? value, long[] pads, string expected)
    {
        var g = ImageGraph(opset: 13);
        g.AddInt64Initializer("pads", [8], pads);
        string[] inputs = ["x", "pads"];
        if (value is { } v)
        {
            g.AddInitializer("value", [], [v]);
            inputs = [.. inputs, "value"];
        }
        g.AddNode("Pad", inputs, ["padded"], name: "zero_padding", attributes: [OnnxAttribute.FromString("mode", mode)]);
        AddConv(g, "padded", kernel: 3, stride: 1, ownPads: 0);
        AddDenseBackToImages(g, 8);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        output.WriteLine(e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    // Two zeros before the rows and none before the columns (a Pad, then the Conv's own pads): per-side pads (2, 0, 0, 0).
    [InlineData(new long[] { 0, 0, 2, 0, 0, 0, 0, 0 }, null, 1, 2, 0, 0, 0, 8, 6)]
    [InlineData(null, new long[] { 2, 0, 0, 0 }, 1, 2, 0, 0, 0, 8, 6)]
    // A Pad and the Conv's own pads added, each unequal: (1 + 1, 0, 0, 0 + 2).
    [InlineData(new long[] { 0, 0, 1, 0, 0, 0, 0, 0 }, new long[] { 1, 0, 0, 2 }, 1, 2, 0, 0, 2, 8, 8)]
    // Strided: a zero at the end that no window reaches is left out (the columns' pads (1, 1) read as (1, 0)).
    [InlineData(null, new long[] { 0, 1, 3, 1 }, 2, 0, 1, 3, 0, 5, 4)]
    public void UnequalPaddingImportsAsPerSidePads(long[]? padNode, long[]? convPads, int stride, int top, int left, int bottom, int right, int codeHeight, int codeWidth)
    {
        var g = ImageGraph(opset: 13);
        string input = "x";
        if (padNode != null)
        {
            g.AddInt64Initializer("pads", [8], padNode);
            g.AddNode("Pad", ["x", "pads"], ["padded"], name: "zero_padding");
            input = "padded";
        }
        g.AddInitializer("w1", [Filters, Channels, 3, 3], Values(Filters * Channels * 9, 1)).AddInitializer("b1", [Filters], Values(Filters, 2));
        var attributes = new List<OnnxAttribute> { OnnxAttribute.FromInts("strides", stride, stride) };
        if (convPads != null) attributes.Add(OnnxAttribute.FromInts("pads", convPads));
        g.AddNode("Conv", [input, "w1", "b1"], ["c1"], name: "conv", attributes: attributes);
        g.AddNode("Relu", ["c1"], ["code"]);
        AddDenseBack(g, Filters * codeHeight * codeWidth, [-1, Channels, Side, Side]);

        var model = AssertScoresAsOnnxRuntime(g.ToByteArray(), Side * Side * Channels);

        var conv = Assert.IsType<Engine.Layers.Conv2dSpec>(model.Spec.Layers.First());
        Assert.Equal(Engine.Layers.Conv2dPadding.Explicit, conv.Padding);
        Assert.Equal(new Engine.Layers.Conv2dPads(top, left, bottom, right), conv.ExplicitPads);
        Assert.Equal([Filters, codeHeight, codeWidth], conv.OutputShape!.Dimensions);
    }

    [Theory]
    [InlineData(3, 1, 1, 9)]   // F.pad(x, (2, 0)) before a kernel of 3: PyTorch's causal idiom
    [InlineData(3, 2, 1, 5)]   // strided: ⌈9 / 2⌉ outputs
    [InlineData(2, 1, 3, 9)]   // dilated: dilation·(k − 1) = 3 zeros
    public void CausalPadOfASequenceImportsAsCausalPadding(int kernel, int stride, int dilation, int codeLength)
    {
        int zeros = dilation * (kernel - 1);
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, Channels, 9]).AddOutput("y", [-1, Channels, 9]);
        g.AddInt64Initializer("pads", [6], [0, 0, zeros, 0, 0, 0]);
        g.AddNode("Pad", ["x", "pads"], ["padded"]);
        g.AddInitializer("w1", [Filters, Channels, kernel], Values(Filters * Channels * kernel, 1)).AddInitializer("b1", [Filters], Values(Filters, 2));
        g.AddNode("Conv", ["padded", "w1", "b1"], ["code"], name: "causal",
            attributes: [OnnxAttribute.FromInts("strides", stride), OnnxAttribute.FromInts("dilations", dilation)]);
        AddDenseBack(g, Filters * codeLength, [-1, Channels, 9]);

        var model = AssertScoresAsOnnxRuntime(g.ToByteArray(), Channels * 9);

        var conv = Assert.IsType<Engine.Layers.Conv1dSpec>(model.Spec.Layers.First());
        Assert.Equal(Engine.Layers.Conv2dPadding.Causal, conv.Padding);
        Assert.Equal([Filters, codeLength], conv.OutputShape!.Dimensions);
    }

    [Fact]
    public void PyTorchCausalAndUnequalPadsImportAsTheEnginesPaddings()
    {
        // The files are held to PyTorch's outputs with the other PyTorch files (TorchOnnxImportTests); here, what they become.
        var causal = AutoencoderModel.ImportOnnx(TorchOnnxModels.Path("torch_conv1d_causal"));
        var convolutions = causal.Spec.Layers.OfType<Engine.Layers.Conv1dSpec>().ToArray();
        Assert.Equal(4, convolutions.Length);
        Assert.All(convolutions, c => Assert.Equal(Engine.Layers.Conv2dPadding.Causal, c.Padding));
        Assert.Equal([1, 2, 1, 1], convolutions.Select(c => c.Dilation));
        Assert.Equal([1, 1, 2, 1], convolutions.Select(c => c.Stride));

        var unequal = AutoencoderModel.ImportOnnx(TorchOnnxModels.Path("torch_conv_unequal_pad"));
        Assert.Equal(
            // nn.ZeroPad2d((0, 2, 1, 0)); (1, 0, 0, 1) before the stride-2 kernel, whose bottom zero no window reads; (1, 1, 3, 1).
            [new Engine.Layers.Conv2dPads(1, 0, 0, 2), new Engine.Layers.Conv2dPads(0, 1, 0, 0), new Engine.Layers.Conv2dPads(3, 1, 1, 1)],
            unequal.Spec.Layers.OfType<Engine.Layers.Conv2dSpec>().Select(c => c.ExplicitPads!.Value).ToArray());
    }

    [Fact]
    public void UnequalPadsOfASequenceImportAsPerSidePads()
    {
        // F.pad(x, (1, 3)) before a kernel of 3: neither equal, "same" nor causal.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, Channels, 9]).AddOutput("y", [-1, Channels, 9]);
        g.AddInt64Initializer("pads", [6], [0, 0, 1, 0, 0, 3]);
        g.AddNode("Pad", ["x", "pads"], ["padded"]);
        g.AddInitializer("w1", [Filters, Channels, 3], Values(Filters * Channels * 3, 1)).AddInitializer("b1", [Filters], Values(Filters, 2));
        g.AddNode("Conv", ["padded", "w1", "b1"], ["code"]);
        AddDenseBack(g, Filters * 11, [-1, Channels, 9]);

        var model = AssertScoresAsOnnxRuntime(g.ToByteArray(), Channels * 9);

        var conv = Assert.IsType<Engine.Layers.Conv1dSpec>(model.Spec.Layers.First());
        Assert.Equal(new Engine.Layers.Conv1dPads(1, 3), conv.ExplicitPads);
    }

    [Fact]
    public void PadBeforeAnotherLayerIsRefusedNamingTheOnesItFoldsInto()
    {
        var g = ImageGraph(opset: 13);
        g.AddInt64Initializer("pads", [8], [0, 0, 1, 1, 0, 0, 1, 1]);
        g.AddNode("Pad", ["x", "pads"], ["padded"], name: "zero_padding");
        g.AddNode("MaxPool", ["padded"], ["pooled"], attributes: [OnnxAttribute.FromInts("kernel_shape", 2, 2), OnnxAttribute.FromInts("strides", 2, 2)]);
        AddConv(g, "pooled", kernel: 3, stride: 1, ownPads: 1);
        AddDenseBackToImages(g, 4);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("Node 'zero_padding' (Pad) pads the rows for another node than one Conv or AveragePool", e.Message);
        Assert.Contains("(MaxPool)", e.Message);
    }

    [Theory]
    [InlineData(3, new long[] { 1, 0, 0, 1 }, 0, 1, 0, 0, 1, 0)]  // the rows' crop at the start, the columns' at the end
    [InlineData(4, new long[] { 2, 0, 0, 2 }, 0, 2, 0, 0, 2, 0)]
    // Kernel 2 gives 8 in full: the rows, which drop their first, need the output padding; the columns drop it at their end.
    [InlineData(2, new long[] { 1, 0, 0, 1 }, 1, 1, 0, 0, 1, 1)]
    public void UnequalTransposedPaddingImportsAsPerSidePads(int kernel, long[] pads, int outputPadding, int top, int left, int bottom, int right, int engineOutputPadding)
    {
        var g = ImageGraph(opset: 13);
        AddConv(g, "x", 3, 2, ownPads: 0, autoPad: "SAME_UPPER", output: "code");
        g.AddInitializer("wt", [Filters, Channels, kernel, kernel], Values(Filters * Channels * kernel * kernel, 5)).AddInitializer("bt", [Channels], Values(Channels, 6));
        var attributes = new List<OnnxAttribute> { OnnxAttribute.FromInts("strides", 2, 2), OnnxAttribute.FromInts("pads", pads) };
        if (outputPadding > 0) attributes.Add(OnnxAttribute.FromInts("output_padding", outputPadding, outputPadding));
        g.AddNode("ConvTranspose", ["code", "wt", "bt"], ["y"], name: "deconv", attributes: attributes);

        var model = AssertScoresAsOnnxRuntime(g.ToByteArray(), Side * Side * Channels);

        var deconv = Assert.IsType<Engine.Layers.ConvTranspose2dSpec>(model.Spec.Layers.Last());
        Assert.Equal(new Engine.Layers.Conv2dPads(top, left, bottom, right), deconv.ExplicitPads);
        Assert.Equal(engineOutputPadding, deconv.OutputPadding);
    }

    [Fact]
    public void TransposedOutputLongerThanTheFullOneByTheStrideIsRefusedByName()
    {
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, Channels, Side, Side]).AddOutput("y", [-1, Channels, 11, 11]);
        AddConv(g, "x", 3, 2, ownPads: 0, autoPad: "SAME_UPPER", output: "code");
        g.AddInitializer("wt", [Filters, Channels, 3, 3], Values(Filters * Channels * 9, 5));
        g.AddNode("ConvTranspose", ["code", "wt"], ["y"], name: "deconv",
            attributes: [OnnxAttribute.FromInts("strides", 2, 2), OnnxAttribute.FromInts("output_shape", 11, 11)]);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        output.WriteLine(e.Message);
        Assert.Contains("Node 'deconv' (ConvTranspose): output_shape [11, 11] over 4×4 keeps [11, 11] positions, 2 more than the full output has", e.Message);
    }

    /// <summary>Imports <paramref name="onnx"/> and holds the engine's reconstruction to ONNX Runtime's within 1e-5.</summary>
    private AutoencoderModel AssertScoresAsOnnxRuntime(byte[] onnx, int width)
    {
        var model = AutoencoderModel.ImportOnnx(onnx);
        using var runtime = OnnxAutoencoderModel.Load(onnx, "x", "y");
        output.WriteLine(string.Join(" → ", model.Spec.Layers.Select(l => l is Engine.Layers.Conv2dSpec or Engine.Layers.ConvTranspose2dSpec or Engine.Layers.Conv1dSpec or Engine.Layers.ConvTranspose1dSpec ? l.ToString() : l.Kind)));
        float[] rows = Values(Rows * width, 7);
        ColumnValues.AssertClose(runtime.Reconstruct(rows, Rows), model.Reconstruct(rows, Rows), "engine vs ONNX Runtime");
        return model;
    }

    /// <summary>Images [N, 2, 8, 8] in and out.</summary>
    private static OnnxModelBuilder ImageGraph(int opset) =>
        new OnnxModelBuilder(opsetVersion: opset).AddInput("x", [-1, Channels, Side, Side]).AddOutput("y", [-1, Channels, Side, Side]);

    /// <summary>A dense layer from the code (4 × side × side images) back to the images.</summary>
    private static void AddDenseBackToImages(OnnxModelBuilder g, int codeSide) => AddDenseBack(g, Filters * codeSide * codeSide, [-1, Channels, Side, Side]);

    /// <summary>Flatten the tensor 'code' (of <paramref name="codeWidth"/> values), a dense layer, reshape to <paramref name="shape"/> as 'y'.</summary>
    private static void AddDenseBack(OnnxModelBuilder g, int codeWidth, long[] shape)
    {
        int width = (int)shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        g.AddNode("Flatten", ["code"], ["flat"], attributes: [OnnxAttribute.FromInt("axis", 1)]);
        g.AddInitializer("w2", [width, codeWidth], Values(width * codeWidth, 3)).AddInitializer("b2", [width], Values(width, 4));
        g.AddNode("Gemm", ["flat", "w2", "b2"], ["wide"], attributes: [OnnxAttribute.FromInt("transB", 1), OnnxAttribute.FromFloat("alpha", 0.1f)]);
        g.AddInt64Initializer("back", [shape.Length], shape);
        g.AddNode("Reshape", ["wide", "back"], ["y"]);
    }

    /// <summary>Conv (4 filters) → ReLU from <paramref name="input"/> to <paramref name="output"/>.</summary>
    private static void AddConv(OnnxModelBuilder g, string input, int kernel, int stride, int ownPads, string? autoPad = null, string output = "code")
    {
        g.AddInitializer("w1", [Filters, Channels, kernel, kernel], Values(Filters * Channels * kernel * kernel, 1)).AddInitializer("b1", [Filters], Values(Filters, 2));
        var attributes = new List<OnnxAttribute> { OnnxAttribute.FromInts("strides", stride, stride) };
        if (ownPads > 0) attributes.Add(OnnxAttribute.FromInts("pads", ownPads, ownPads, ownPads, ownPads));
        if (autoPad != null) attributes.Add(OnnxAttribute.FromString("auto_pad", autoPad));
        g.AddNode("Conv", [input, "w1", "b1"], ["c1"], name: "conv", attributes: attributes);
        g.AddNode("Relu", ["c1"], [output]);
    }

    private static float[] Values(int count, int seed) => [.. Enumerable.Range(0, count).Select(i => MathF.Sin(1.7f * i + 0.9f * seed))];
}
