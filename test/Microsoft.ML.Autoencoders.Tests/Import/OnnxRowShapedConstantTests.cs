using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// Constants that become a layer's per-unit bias (an Add after a dense layer per step, a Gemm's C) must be one value per
/// unit along the last axis as ONNX broadcasts them, not merely hold as many values: a [T, 1] constant over windows with
/// T steps of T features is one value per step, and a Gemm's C of [units, 1] one per row of the batch.
/// </summary>
public sealed class OnnxRowShapedConstantTests
{
    [Theory]
    [InlineData(new[] { 4, 1 })]
    [InlineData(new[] { 1, 4, 1 })]
    public void PerStepOffsetAfterADensePerStepIsRefused(int[] offsetShape)
    {
        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(StepOffsetGraph(offsetShape)));

        Assert.Contains($"'offset' added per step has shape [{string.Join(", ", offsetShape)}]", e.Message);
        Assert.Contains("OnnxAutoencoder", e.Message);
    }

    [Theory]
    [InlineData(new[] { 1, 4 })]
    [InlineData(new[] { 1, 1, 4 })]
    [InlineData(new[] { 4 })]
    public void PerFeatureOffsetAfterADensePerStepScoresAsOnnxRuntime(int[] offsetShape)
    {
        byte[] onnx = StepOffsetGraph(offsetShape);

        var model = AutoencoderModel.ImportOnnx(onnx);
        using var runtime = OnnxAutoencoderModel.Load(onnx, "x", "y");

        float[] rows = Values(3 * 16, 7);
        ColumnValues.AssertClose(runtime.Reconstruct(rows, 3), model.Reconstruct(rows, 3), "engine vs ONNX Runtime", tolerance: 1e-5);
    }

    [Fact]
    public void GemmBiasOfOneValuePerBatchRowIsRefused()
    {
        // x [N, 3] → Gemm to 3 with C [3, 1] → Gemm to 3: C broadcasts down the batch, not across the units.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, 3]).AddOutput("y", [-1, 3]);
        g.AddInitializer("w1", [3, 3], Values(9, 1)).AddInitializer("c1", [3, 1], Values(3, 2));
        g.AddNode("Gemm", ["x", "w1", "c1"], ["code"], name: "encode");
        g.AddInitializer("w2", [3, 3], Values(9, 3)).AddInitializer("c2", [3], Values(3, 4));
        g.AddNode("Gemm", ["code", "w2", "c2"], ["y"]);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("'c1' has shape [3, 1]", e.Message);
    }

    /// <summary>x [N, 4, 4] → MatMul to 4 per step → Add of an offset of the given shape → MatMul to 2 → MatMul to 4 → y.</summary>
    private static byte[] StepOffsetGraph(int[] offsetShape)
    {
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, 4, 4]).AddOutput("y", [-1, 4, 4]);
        g.AddInitializer("w1", [4, 4], Values(16, 1));
        g.AddNode("MatMul", ["x", "w1"], ["h"]);
        g.AddInitializer("offset", offsetShape, Values(offsetShape.Aggregate(1, (a, b) => a * b), 2));
        g.AddNode("Add", ["h", "offset"], ["shifted"], name: "offset");
        g.AddInitializer("w2", [4, 2], Values(8, 3));
        g.AddNode("MatMul", ["shifted", "w2"], ["code"]);
        g.AddInitializer("w3", [2, 4], Values(8, 4));
        g.AddNode("MatMul", ["code", "w3"], ["y"]);
        return g.ToByteArray();
    }

    private static float[] Values(int count, int seed) => [.. Enumerable.Range(0, count).Select(i => MathF.Sin(1.7f * i + 0.9f * seed))];
}
