using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// nn.LayerNorm in ONNX: the PyTorch files (<see cref="TorchOnnxModels.LayerNorm"/>, scored as PyTorch, fine-tuned and
/// exported with the others in <see cref="TorchOnnxImportTests"/>) import as the engine's layer_norm with their γ, β and ε;
/// graphs built here node by node hold the forms PyTorch does not write to ONNX Runtime, and the near misses are refused
/// saying what differs.
/// </summary>
public sealed class OnnxLayerNormImportTests
{
    [Theory]
    [InlineData("torch_mlp_layernorm", true)]
    [InlineData("torch_mlp_layernorm_opset13", true)]
    [InlineData("torch_mlp_layernorm_affine", true)]
    [InlineData("torch_mlp_layernorm_affine_opset13", true)]
    [InlineData("torch_mlp_layernorm_no_affine_opset13", false)]
    public void TorchLayerNormsImportAsTheEnginesLayerNorm(string name, bool affine)
    {
        var model = AutoencoderModel.ImportOnnx(TorchOnnxModels.Path(name));

        Assert.Equal(["dense", "layer_norm", "dense", "activation"], model.Spec.Encoder.Select(l => l.Kind));
        Assert.Equal(["dense", "layer_norm", "dense"], model.Spec.Decoder.Select(l => l.Kind));
        Assert.Equal(new LayerNormSpec(1e-5f, affine), model.Spec.Encoder[1] with { Name = null, InputShape = null, OutputShape = null });
    }

    [Fact]
    public void PerStepLayerNormKeepsItsEpsilon()
    {
        var model = AutoencoderModel.ImportOnnx(TorchOnnxModels.Path("torch_steps_layernorm"));

        Assert.Equal(["time_distributed_dense", "layer_norm", "activation", "time_distributed_dense"], model.Spec.Encoder.Select(l => l.Kind));
        Assert.Equal(1e-3f, ((LayerNormSpec)model.Spec.Decoder[1]).Epsilon);
        Assert.Equal(new Engine.Specs.TensorShape(6, 8), model.Spec.Decoder[1].InputShape);
    }

    /// <summary>A LayerNormalization without B over windows [N, 6, 4] between two MatMuls per step, as ONNX Runtime scores it.</summary>
    [Fact]
    public void LayerNormalizationWithoutShiftOverStepsScoresAsOnnxRuntime()
    {
        byte[] onnx = StepsGraph(axis: -1);

        var model = AutoencoderModel.ImportOnnx(onnx);
        using var runtime = OnnxAutoencoderModel.Load(onnx, "x", "y");

        Assert.Equal(new LayerNormSpec(0.01f), model.Spec.Encoder[1] with { Name = null, InputShape = null, OutputShape = null });
        float[] rows = Values(5 * 24, 7);
        ColumnValues.AssertClose(runtime.Reconstruct(rows, 5), model.Reconstruct(rows, 5), "engine vs ONNX Runtime", tolerance: 1e-6);
    }

    [Fact]
    public void LayerNormalizationOverMoreThanTheLastAxisIsRefused()
    {
        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(StepsGraph(axis: 1)));

        Assert.Contains("axis 1 normalizes over more than the last axis", e.Message);
    }

    [Theory]
    [InlineData(3f, -1, "raises to 3, not 2")]
    [InlineData(2f, 0, "averages over axes [0]")]
    public void NearMissesOfTheOpset13PatternAreRefusedSayingWhatDiffers(float exponent, long axis, string expected)
    {
        // x [N, 6] → (x − mean(x)) / √(mean((x − mean)^exponent) + ε) → Gemm to 2 → Gemm to 6.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, 6]).AddOutput("y", [-1, 6]);
        g.AddNode("ReduceMean", ["x"], ["mean"], name: "mean", attributes: [OnnxAttribute.FromInts("axes", -1)]);
        g.AddNode("Sub", ["x", "mean"], ["centred"]);
        g.AddInitializer("exponent", [], [exponent]);
        g.AddNode("Pow", ["centred", "exponent"], ["squares"]);
        g.AddNode("ReduceMean", ["squares"], ["variance"], name: "variance", attributes: [OnnxAttribute.FromInts("axes", axis)]);
        g.AddInitializer("eps", [], [1e-5f]);
        g.AddNode("Add", ["variance", "eps"], ["guarded"]);
        g.AddNode("Sqrt", ["guarded"], ["deviation"]);
        g.AddNode("Div", ["centred", "deviation"], ["normalized"]);
        g.AddInitializer("w1", [2, 6], Values(12, 1)).AddInitializer("b1", [2], Values(2, 2));
        g.AddNode("Gemm", ["normalized", "w1", "b1"], ["code"], attributes: [OnnxAttribute.FromInt("transB", 1)]);
        g.AddInitializer("w2", [6, 2], Values(12, 3)).AddInitializer("b2", [6], Values(6, 4));
        g.AddNode("Gemm", ["code", "w2", "b2"], ["y"], attributes: [OnnxAttribute.FromInt("transB", 1)]);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains(expected, e.Message);
    }

    /// <summary>
    /// Over windows [N, 4, 4], where the steps are as many as the features, γ or β of shape [4, 1] holds 4 values but is
    /// one per step as ONNX broadcasts it: refused saying so, in both forms PyTorch writes; [1, 4] is per feature and scores
    /// as ONNX Runtime does.
    /// </summary>
    [Theory]
    [InlineData(17, new[] { 4, 1 }, new[] { 4 }, "'gamma' has shape [4, 1]")]
    [InlineData(17, new[] { 1, 4 }, new[] { 4, 1 }, "'beta' has shape [4, 1]")]
    [InlineData(13, new[] { 4, 1 }, new[] { 4 }, "'gamma' has shape [4, 1]")]
    [InlineData(13, new[] { 1, 4 }, new[] { 1, 4, 1 }, "'beta' has shape [1, 4, 1]")]
    [InlineData(13, new[] { 2, 2 }, new[] { 4 }, "'gamma' has shape [2, 2]")]
    public void PerStepScaleOrShiftOverSquareWindowsIsRefused(int opset, int[] gammaShape, int[] betaShape, string expected)
    {
        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(SquareWindowsGraph(opset, gammaShape, betaShape)));

        Assert.Contains(expected, e.Message);
        Assert.Contains("another axis than the last", e.Message);
        Assert.Contains("OnnxAutoencoder", e.Message);
    }

    [Theory]
    [InlineData(17, new[] { 1, 4 }, new[] { 1, 1, 4 })]
    [InlineData(13, new[] { 1, 4 }, new[] { 1, 1, 4 })]
    [InlineData(13, new[] { 1 }, new[] { 1, 1 })]
    public void PerFeatureScaleAndShiftWithLeadingOnesScoreAsOnnxRuntime(int opset, int[] gammaShape, int[] betaShape)
    {
        byte[] onnx = SquareWindowsGraph(opset, gammaShape, betaShape);

        var model = AutoencoderModel.ImportOnnx(onnx);
        using var runtime = OnnxAutoencoderModel.Load(onnx, "x", "y");

        Assert.Equal("layer_norm", model.Spec.Encoder[1].Kind);
        float[] rows = Values(5 * 16, 7);
        ColumnValues.AssertClose(runtime.Reconstruct(rows, 5), model.Reconstruct(rows, 5), "engine vs ONNX Runtime", tolerance: 1e-5);
    }

    /// <summary>
    /// x [N, 4, 4] → MatMul to 4 per step → nn.LayerNorm(4) with γ and β of the given shapes (opset 17's LayerNormalization
    /// or opset 13's nodes) → MatMul to 2 → MatMul to 4 → y.
    /// </summary>
    private static byte[] SquareWindowsGraph(int opset, int[] gammaShape, int[] betaShape)
    {
        var g = new OnnxModelBuilder(opsetVersion: opset).AddInput("x", [-1, 4, 4]).AddOutput("y", [-1, 4, 4]);
        g.AddInitializer("w1", [4, 4], Values(16, 1));
        g.AddNode("MatMul", ["x", "w1"], ["h"]);
        int Count(int[] shape) => shape.Aggregate(1, (a, b) => a * b);
        g.AddInitializer("gamma", gammaShape, [.. Values(Count(gammaShape), 2).Select(v => 1 + 0.5f * v)]);
        g.AddInitializer("beta", betaShape, Values(Count(betaShape), 5));
        if (opset >= 17)
        {
            g.AddNode("LayerNormalization", ["h", "gamma", "beta"], ["normalized"], name: "norm", attributes: [OnnxAttribute.FromInt("axis", -1)]);
        }
        else
        {
            g.AddNode("ReduceMean", ["h"], ["mean"], name: "mean", attributes: [OnnxAttribute.FromInts("axes", -1)]);
            g.AddNode("Sub", ["h", "mean"], ["centred"]);
            g.AddInitializer("exponent", [], [2f]);
            g.AddNode("Pow", ["centred", "exponent"], ["squares"]);
            g.AddNode("ReduceMean", ["squares"], ["variance"], name: "variance", attributes: [OnnxAttribute.FromInts("axes", -1)]);
            g.AddInitializer("eps", [], [1e-5f]);
            g.AddNode("Add", ["variance", "eps"], ["guarded"]);
            g.AddNode("Sqrt", ["guarded"], ["deviation"]);
            g.AddNode("Div", ["centred", "deviation"], ["unit"]);
            g.AddNode("Mul", ["unit", "gamma"], ["scaled"]);
            g.AddNode("Add", ["scaled", "beta"], ["normalized"]);
        }
        g.AddInitializer("w2", [4, 2], Values(8, 3));
        g.AddNode("MatMul", ["normalized", "w2"], ["code"]);
        g.AddInitializer("w3", [2, 4], Values(8, 4));
        g.AddNode("MatMul", ["code", "w3"], ["y"]);
        return g.ToByteArray();
    }

    /// <summary>x [N, 6, 4] → MatMul to 8 per step → LayerNormalization(axis, ε 0.01, no B) → MatMul to 2 → MatMul to 4 → y.</summary>
    private static byte[] StepsGraph(long axis)
    {
        var g = new OnnxModelBuilder(opsetVersion: 17).AddInput("x", [-1, 6, 4]).AddOutput("y", [-1, 6, 4]);
        g.AddInitializer("w1", [4, 8], Values(32, 1));
        g.AddNode("MatMul", ["x", "w1"], ["h"]);
        g.AddInitializer("gamma", [8], [.. Values(8, 2).Select(v => 1 + 0.5f * v)]);
        g.AddNode("LayerNormalization", ["h", "gamma"], ["normalized"], name: "norm",
            attributes: [OnnxAttribute.FromInt("axis", axis), OnnxAttribute.FromFloat("epsilon", 0.01f)]);
        g.AddInitializer("w2", [8, 2], Values(16, 3));
        g.AddNode("MatMul", ["normalized", "w2"], ["code"]);
        g.AddInitializer("w3", [2, 4], Values(8, 4));
        g.AddNode("MatMul", ["code", "w3"], ["y"]);
        return g.ToByteArray();
    }

    private static float[] Values(int count, int seed) => [.. Enumerable.Range(0, count).Select(i => MathF.Sin(1.7f * i + 0.9f * seed))];
}
