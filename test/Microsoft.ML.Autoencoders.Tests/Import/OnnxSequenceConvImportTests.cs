using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// Conv and ConvTranspose over sequences [N, C, L] (PyTorch's Conv1d and ConvTranspose1d; the exported model is in
/// <see cref="TorchOnnxImportTests"/>), built here node by node for the padding forms PyTorch does not write: each imports as
/// the engine's 1-D layer and scores as ONNX Runtime scores the same bytes; so do MaxPool and Resize over sequences (max_pool1d,
/// upsample1d); the forms with no 1-D layer are refused by name.
/// </summary>
public sealed class OnnxSequenceConvImportTests
{
    private const int Rows = 5, Channels = 2, Length = 9;

    [Theory]
    [InlineData("SAME_UPPER", null)]          // auto_pad
    [InlineData("NOTSET", new long[] { 0, 1 })] // the pads "same" puts for a kernel of 2 at stride 2 over 9: the extra one at the end
    [InlineData("VALID", null)]
    public void ConvolutionPaddingsImportAsTheEngines1dLayers(string autoPad, long[]? pads)
    {
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, Channels, Length]).AddOutput("y", [-1, Channels, Length]);
        var conv = new List<OnnxAttribute> { OnnxAttribute.FromInts("strides", 2), OnnxAttribute.FromString("auto_pad", autoPad) };
        if (pads != null) conv.Add(OnnxAttribute.FromInts("pads", pads));
        g.AddInitializer("w1", [3, Channels, 2], Values(3 * Channels * 2, 1)).AddInitializer("b1", [3], Values(3, 2));
        g.AddNode("Conv", ["x", "w1", "b1"], ["c1"], attributes: conv);
        g.AddNode("Relu", ["c1"], ["code"]);
        g.AddNode("Flatten", ["code"], ["flat"], attributes: [OnnxAttribute.FromInt("axis", 1)]);
        int codeLength = autoPad == "VALID" ? 4 : 5;
        g.AddInitializer("w2", [Channels * Length, 3 * codeLength], Values(Channels * Length * 3 * codeLength, 3)).AddInitializer("b2", [Channels * Length], Values(Channels * Length, 4));
        g.AddNode("Gemm", ["flat", "w2", "b2"], ["wide"], attributes: [OnnxAttribute.FromInt("transB", 1)]);
        g.AddInt64Initializer("sequence", [3], [-1, Channels, Length]);
        g.AddNode("Reshape", ["wide", "sequence"], ["y"]);
        byte[] onnx = g.ToByteArray();

        var model = AutoencoderModel.ImportOnnx(onnx);
        using var runtime = OnnxAutoencoderModel.Load(onnx, "x", "y");

        Assert.Equal(["conv1d", "activation", "flatten"], model.Spec.Encoder.Select(l => l.Kind));
        Assert.Equal(3 * codeLength, model.CodeSize);
        float[] rows = Values(Rows * Channels * Length, 7);
        ColumnValues.AssertClose(runtime.Reconstruct(rows, Rows), model.Reconstruct(rows, Rows), "engine vs ONNX Runtime");
    }

    [Fact]
    public void TransposedConvolutionWithoutBiasAndWithOutputPaddingImports()
    {
        // Flattened to a dense code, widened back to [3, 4], then ConvTranspose1d(3, 2, 3, stride=2, padding=1,
        // output_padding=1, bias=False): 4 → 8.
        const int Width = Channels * 8;
        var g = new OnnxModelBuilder(opsetVersion: 17).AddInput("x", [-1, Channels, 8]).AddOutput("y", [-1, Channels, 8]);
        g.AddNode("Flatten", ["x"], ["flat"], attributes: [OnnxAttribute.FromInt("axis", 1)]);
        g.AddInitializer("w1", [4, Width], Values(4 * Width, 1)).AddInitializer("b1", [4], Values(4, 2));
        g.AddNode("Gemm", ["flat", "w1", "b1"], ["code"], attributes: [OnnxAttribute.FromInt("transB", 1)]);
        g.AddInitializer("w2", [12, 4], Values(48, 3)).AddInitializer("b2", [12], Values(12, 4));
        g.AddNode("Gemm", ["code", "w2", "b2"], ["wide"], attributes: [OnnxAttribute.FromInt("transB", 1)]);
        g.AddInt64Initializer("sequence", [3], [-1, 3, 4]);
        g.AddNode("Reshape", ["wide", "sequence"], ["s"]);
        g.AddInitializer("wt", [3, Channels, 3], Values(3 * Channels * 3, 5));
        g.AddNode("ConvTranspose", ["s", "wt"], ["y"], attributes:
            [OnnxAttribute.FromInts("strides", 2), OnnxAttribute.FromInts("pads", 1, 1), OnnxAttribute.FromInts("output_padding", 1)]);
        byte[] onnx = g.ToByteArray();

        var model = AutoencoderModel.ImportOnnx(onnx);
        using var runtime = OnnxAutoencoderModel.Load(onnx, "x", "y");

        Assert.Equal(["flatten", "dense"], model.Spec.Encoder.Select(l => l.Kind));
        Assert.Equal(["dense", "reshape", "conv_transpose1d"], model.Spec.Decoder.Select(l => l.Kind));
        float[] rows = Values(Rows * Width, 7);
        ColumnValues.AssertClose(runtime.Reconstruct(rows, Rows), model.Reconstruct(rows, Rows), "engine vs ONNX Runtime");
    }

    /// <summary>
    /// Conv, MaxPool(3, stride 2, pads 1) and a Resize by [1, 1, 2] with ONNX's default half-pixel centres (nearest, rounding:
    /// each value repeated, as asymmetric centres with floor give) over [N, 2, 8]: the engine's max_pool1d and upsample1d.
    /// </summary>
    [Fact]
    public void PaddedPoolingAndUpsamplingOverASequenceImportAsTheEngines1dLayers()
    {
        byte[] onnx = PoolThenResize(new List<OnnxAttribute> { OnnxAttribute.FromInts("kernel_shape", 3), OnnxAttribute.FromInts("strides", 2), OnnxAttribute.FromInts("pads", 1, 1) },
            [OnnxAttribute.FromString("mode", "nearest")]);

        var model = AutoencoderModel.ImportOnnx(onnx);
        using var runtime = OnnxAutoencoderModel.Load(onnx, "x", "y");

        Assert.Equal(["conv1d", "max_pool1d"], model.Spec.Encoder.Select(l => l.Kind));
        Assert.Equal(new Engine.Layers.MaxPool1dSpec(3, 2, 1), model.Spec.Encoder[1] with { Name = null, InputShape = null, OutputShape = null });
        Assert.Equal(["upsample1d", "conv1d"], model.Spec.Decoder.Select(l => l.Kind));
        float[] rows = Values(Rows * Channels * 8, 7);
        ColumnValues.AssertClose(runtime.Reconstruct(rows, Rows), model.Reconstruct(rows, Rows), "engine vs ONNX Runtime", tolerance: 1e-6);
    }

    [Theory]
    [InlineData("ceil", "ceil-mode pooling over sequences has no engine layer")]
    [InlineData("linear", "linear upsampling over sequences has no engine layer")]
    [InlineData("unequal pads", "pads [0, 1] must be the same at both ends")]
    public void SequenceFormsTheEngineLacksAreRefusedSayingWhy(string form, string expected)
    {
        var pool = new List<OnnxAttribute> { OnnxAttribute.FromInts("kernel_shape", 2), OnnxAttribute.FromInts("strides", 2) };
        if (form == "ceil") pool.Add(OnnxAttribute.FromInt("ceil_mode", 1));
        if (form == "unequal pads") pool.Add(OnnxAttribute.FromInts("pads", 0, 1));
        byte[] onnx = PoolThenResize(pool, [OnnxAttribute.FromString("mode", form == "linear" ? "linear" : "nearest")]);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(onnx));

        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void AveragePoolingOverASequenceIsRefusedNamingThe1dLayersThereAre()
    {
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, Channels, 8]).AddOutput("y", [-1, Channels, 8]);
        g.AddInitializer("w1", [4, Channels, 3], Values(4 * Channels * 3, 1));
        g.AddNode("Conv", ["x", "w1"], ["c1"], attributes: [OnnxAttribute.FromInts("pads", 1, 1)]);
        g.AddNode("AveragePool", ["c1"], ["pooled"], name: "pool", attributes: [OnnxAttribute.FromInts("kernel_shape", 2), OnnxAttribute.FromInts("strides", 2)]);
        g.AddNode("Identity", ["pooled"], ["y"]);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("Node 'pool' (AveragePool) reads sequences [N, C, L]", e.Message);
        Assert.Contains("only Conv, ConvTranspose, MaxPool and nearest Resize/Upsample have a 1-D form", e.Message);
    }

    /// <summary>x [N, 2, 8] → Conv(4, 3, pads 1) → MaxPool(<paramref name="pool"/>) → Resize(scales [1, 1, 2], <paramref name="resize"/>) → Conv(2, 3, pads 1) → y.</summary>
    private static byte[] PoolThenResize(List<OnnxAttribute> pool, OnnxAttribute[] resize)
    {
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, Channels, 8]).AddOutput("y", [-1, Channels, 8]);
        g.AddInitializer("w1", [4, Channels, 3], Values(4 * Channels * 3, 1)).AddInitializer("b1", [4], Values(4, 2));
        g.AddNode("Conv", ["x", "w1", "b1"], ["c1"], attributes: [OnnxAttribute.FromInts("pads", 1, 1)]);
        g.AddNode("MaxPool", ["c1"], ["code"], name: "pool", attributes: pool);
        g.AddInitializer("scales", [3], [1f, 1f, 2f]);
        g.AddNode("Resize", ["code", "", "scales"], ["wide"], name: "resize", attributes: resize);
        g.AddInitializer("w2", [Channels, 4, 3], Values(Channels * 4 * 3, 3)).AddInitializer("b2", [Channels], Values(Channels, 4));
        g.AddNode("Conv", ["wide", "w2", "b2"], ["y"], attributes: [OnnxAttribute.FromInts("pads", 1, 1)]);
        return g.ToByteArray();
    }

    private static float[] Values(int count, int seed) => [.. Enumerable.Range(0, count).Select(i => MathF.Sin(1.7f * i + 0.9f * seed))];
}
