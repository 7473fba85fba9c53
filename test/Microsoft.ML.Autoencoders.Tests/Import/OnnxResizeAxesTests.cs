using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// Opset 18's Resize may name the axes its scales or sizes apply to: they are read on those axes, so scales naming the
/// trailing axes import as the engine's upsampling (as ONNX Runtime scores them), and scales that look like [1, 1, s] but
/// are placed on the channels by axes are refused rather than read as an upsampling of the length.
/// </summary>
public sealed class OnnxResizeAxesTests
{
    [Theory]
    [InlineData(new long[] { 2 }, new[] { 2f })]
    [InlineData(new long[] { -1 }, new[] { 2f })]
    [InlineData(new long[] { 0, 1, 2 }, new[] { 1f, 1f, 2f })]
    [InlineData(new long[] { 2, 0, 1 }, new[] { 2f, 1f, 1f })]
    public void SequenceScalesOnTheNamedAxesScoreAsOnnxRuntime(long[] axes, float[] scales)
    {
        byte[] onnx = SequenceGraph(axes, scales);

        var model = AutoencoderModel.ImportOnnx(onnx);
        using var runtime = OnnxAutoencoderModel.Load(onnx, "x", "y");

        Assert.Contains("upsample1d", model.Spec.Decoder.Select(l => l.Kind));
        float[] rows = Values(3 * 2 * 8, 7);
        ColumnValues.AssertClose(runtime.Reconstruct(rows, 3), model.Reconstruct(rows, 3), "engine vs ONNX Runtime", tolerance: 1e-6);
    }

    [Theory]
    [InlineData(new long[] { 0, 2, 1 }, new[] { 1f, 1f, 2f }, "only a whole factor on the length")]
    [InlineData(new long[] { 1 }, new[] { 2f }, "only a whole factor on the length")]
    [InlineData(new long[] { 2, 2 }, new[] { 2f, 2f }, "are not distinct axes")]
    [InlineData(new long[] { 1, 2 }, new[] { 2f }, "name 2 axes for 1 scales")]
    public void SequenceScalesOnOtherAxesAreRefused(long[] axes, float[] scales, string expected)
    {
        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(SequenceGraph(axes, scales)));

        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData(new long[] { 2, 3 }, new[] { 2f, 2f }, null)]
    [InlineData(new long[] { -1, -2 }, new[] { 2f, 2f }, null)]
    [InlineData(new long[] { 0, 2, 1, 3 }, new[] { 1f, 1f, 2f, 2f }, "same whole factor on height and width")]
    public void ImageScalesAreReadOnTheNamedAxes(long[] axes, float[] scales, string? refusal)
    {
        // x [N, 1, 4, 4] → Conv(2, 2×2, stride 2) → Relu → Resize(nearest, scales on axes) → Conv(1, 1×1) → y.
        var g = new OnnxModelBuilder(opsetVersion: 18).AddInput("x", [-1, 1, 4, 4]).AddOutput("y", [-1, 1, 4, 4]);
        g.AddInitializer("k", [2, 1, 2, 2], Values(8, 3)).AddInitializer("kb", [2], [0.1f, -0.1f]);
        g.AddNode("Conv", ["x", "k", "kb"], ["c"], attributes: [OnnxAttribute.FromInts("strides", 2, 2)]);
        g.AddNode("Relu", ["c"], ["code"]);
        g.AddInitializer("scales", [scales.Length], scales);
        g.AddNode("Resize", ["code", "", "scales"], ["up"], name: "resize", attributes: [OnnxAttribute.FromString("mode", "nearest"), OnnxAttribute.FromInts("axes", axes)]);
        g.AddInitializer("k2", [1, 2, 1, 1], [0.7f, -0.4f]).AddNode("Conv", ["up", "k2"], ["y"]);
        byte[] onnx = g.ToByteArray();

        if (refusal is not null)
        {
            Assert.Contains(refusal, Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(onnx)).Message);
            return;
        }
        var model = AutoencoderModel.ImportOnnx(onnx);
        using var runtime = OnnxAutoencoderModel.Load(onnx, "x", "y");
        float[] rows = Values(3 * 16, 5);
        ColumnValues.AssertClose(runtime.Reconstruct(rows, 3), model.Reconstruct(rows, 3), "engine vs ONNX Runtime", tolerance: 1e-6);
    }

    /// <summary>x [N, 2, 8] → Conv(4, 3, pads 1) → MaxPool(2, 2) → Resize(nearest, scales on axes) → Conv(2, 3, pads 1) → y, at opset 18.</summary>
    private static byte[] SequenceGraph(long[] axes, float[] scales)
    {
        var g = new OnnxModelBuilder(opsetVersion: 18).AddInput("x", [-1, 2, 8]).AddOutput("y", [-1, 2, 8]);
        g.AddInitializer("w1", [4, 2, 3], Values(24, 1)).AddInitializer("b1", [4], Values(4, 2));
        g.AddNode("Conv", ["x", "w1", "b1"], ["c1"], attributes: [OnnxAttribute.FromInts("pads", 1, 1)]);
        g.AddNode("MaxPool", ["c1"], ["code"], attributes: [OnnxAttribute.FromInts("kernel_shape", 2), OnnxAttribute.FromInts("strides", 2)]);
        g.AddInitializer("scales", [scales.Length], scales);
        g.AddNode("Resize", ["code", "", "scales"], ["wide"], name: "resize", attributes: [OnnxAttribute.FromString("mode", "nearest"), OnnxAttribute.FromInts("axes", axes)]);
        g.AddInitializer("w2", [2, 4, 3], Values(24, 3)).AddInitializer("b2", [2], Values(2, 4));
        g.AddNode("Conv", ["wide", "w2", "b2"], ["y"], attributes: [OnnxAttribute.FromInts("pads", 1, 1)]);
        return g.ToByteArray();
    }

    private static float[] Values(int count, int seed) => [.. Enumerable.Range(0, count).Select(i => MathF.Sin(1.7f * i + 0.9f * seed))];
}
