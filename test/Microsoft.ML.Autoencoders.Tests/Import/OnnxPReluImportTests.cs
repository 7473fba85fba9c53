using Google.Protobuf;
using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Onnx;
using Microsoft.ML.Autoencoders.Persistence;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// nn.PReLU in ONNX: the PyTorch files (<see cref="TorchOnnxModels.PRelu"/> and torch_mlp_prelu, scored as PyTorch,
/// fine-tuned and exported with the others in <see cref="TorchOnnxImportTests"/>) import as the engine's prelu with the
/// file's slopes, which fine-tuning trains; graphs built here node by node hold the slope shapes PyTorch does not write to
/// ONNX Runtime, the shape and not the count deciding which values share a slope, and what the engine cannot share is refused.
/// </summary>
public sealed class OnnxPReluImportTests
{
    [Theory]
    [InlineData("torch_mlp_prelu", "dense prelu:Shared dense prelu:Shared", "dense prelu:Shared dense")]
    [InlineData("torch_mlp_prelu_per_feature", "dense prelu:PerChannel dense activation", "dense prelu:PerChannel dense")]
    [InlineData("torch_mlp_prelu_per_feature_code", "dense prelu:PerChannel dense prelu:PerChannel", "dense prelu:PerChannel dense")]
    [InlineData("torch_conv_prelu_per_channel", "conv2d prelu:PerChannel max_pool2d conv2d prelu:PerChannel max_pool2d",
        "conv_transpose2d prelu:Shared conv_transpose2d activation")]
    [InlineData("torch_conv1d_prelu_per_channel", "conv1d prelu:PerChannel max_pool1d conv1d prelu:PerChannel max_pool1d",
        "upsample1d conv1d prelu:PerChannel upsample1d conv1d")]
    public void TorchPReluImportsAsTheEnginesPRelu(string name, string encoder, string decoder)
    {
        var model = AutoencoderModel.ImportOnnx(TorchOnnxModels.Path(name));

        static string Kinds(IEnumerable<LayerSpec> layers) => string.Join(" ", layers.Select(l => l is PReluSpec p ? $"prelu:{p.Slopes}" : l.Kind));
        Assert.Equal(encoder, Kinds(model.Spec.Encoder));
        Assert.Equal(decoder, Kinds(model.Spec.Decoder));
    }

    [Fact]
    public void SlopesAreTheFilesAndFineTuningTrainsThem()
    {
        var ml = new MLContext(seed: 1);
        var (expected, imported, _, data) = TorchOnnxModels.Import("torch_conv_prelu_per_channel", ml);
        var slopes = imported.Network.Parameters.Parameters.Where(p => p.Role == Engine.Tensors.ParameterRole.Slope).ToList();
        Assert.Equal([4, 8, 1], slopes.Select(p => p.Length));
        var file = OnnxModelReader.Parse(File.ReadAllBytes(TorchOnnxModels.Path("torch_conv_prelu_per_channel")));
        var written = file.Nodes.Where(n => n.OpType == "PRelu").Select(n => file.GetFloatInitializer(n.Inputs[1]).Values).ToList();
        Assert.Equal(written, slopes.Select(p => p.Values.ToArray()));
        Assert.True(written[0].Distinct().Count() == 4, "the file's slopes should differ, or a mix-up would not show");

        var tuned = ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            InitialModel = imported, ReconstructionErrorColumnName = "Error", Epochs = 2, BatchSize = 4, LearningRate = 1e-2f, NumberOfThreads = 1,
        }).Fit(data);

        var tunedSlopes = tuned.Model.Network.Parameters.Parameters.Where(p => p.Role == Engine.Tensors.ParameterRole.Slope).Select(p => p.Values.ToArray()).ToList();
        for (int i = 0; i < written.Count; i++) Assert.NotEqual(written[i], tunedSlopes[i]);
    }

    /// <summary>
    /// Over windows [N, 4, 4] (T = F = 4), a slope of [4] or [1, 4] broadcasts along the features, one per feature of each
    /// step; [4, 1] holds as many values but broadcasts along the steps: one per step, the row's first axis. Each scores as
    /// ONNX Runtime does.
    /// </summary>
    [Theory]
    [InlineData(new[] { 4 }, PReluSlopes.PerStepFeature)]
    [InlineData(new[] { 1, 4 }, PReluSlopes.PerStepFeature)]
    [InlineData(new[] { 1, 1, 4 }, PReluSlopes.PerStepFeature)]
    [InlineData(new[] { 4, 1 }, PReluSlopes.PerChannel)]
    [InlineData(new[] { 1, 4, 1 }, PReluSlopes.PerChannel)]
    [InlineData(new[] { 1 }, PReluSlopes.Shared)]
    [InlineData(new int[0], PReluSlopes.Shared)]
    public void SlopeOverWindowsIsReadByItsBroadcastAndScoresAsOnnxRuntime(int[] slopeShape, PReluSlopes expected)
    {
        byte[] onnx = StepsGraph(slopeShape);

        var model = AutoencoderModel.ImportOnnx(onnx);
        using var runtime = OnnxAutoencoderModel.Load(onnx, "x", "y");

        Assert.Equal(expected, ((PReluSpec)model.Spec.Encoder[1]).Slopes);
        float[] rows = Values(3 * 16, 7);
        ColumnValues.AssertClose(runtime.Reconstruct(rows, 3), model.Reconstruct(rows, 3), "engine vs ONNX Runtime", tolerance: 1e-6);
    }

    [Theory]
    [InlineData(new[] { 4, 4 }, "varies along 2 axes")]               // a slope per value (Keras' PReLU without shared_axes)
    [InlineData(new[] { 3, 1, 1 }, "does not broadcast over its input")] // 3 slopes over the batch axis
    [InlineData(new[] { 1, 1, 1, 4 }, "has more axes than its input")]
    public void SlopesTheEngineCannotShareAreRefused(int[] slopeShape, string expected)
    {
        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(StepsGraph(slopeShape)));

        Assert.Contains(expected, e.Message);
        Assert.Contains("the engine's prelu takes one slope, one per channel along the row's first axis ([4, 1]: nn.PReLU(4)) or one per feature of each step ([4])", e.Message);
        Assert.Contains("OnnxAutoencoder", e.Message);
    }

    [Fact]
    public void SlopeAlongAnImagesRowsIsRefused()
    {
        // x [N, 2, 4, 4] → Conv to 2 channels → PRelu with a slope per image row ([4, 1]: the H axis) → Conv back.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, 2, 4, 4]).AddOutput("y", [-1, 2, 4, 4]);
        g.AddInitializer("w1", [2, 2, 1, 1], Values(4, 1)).AddNode("Conv", ["x", "w1"], ["h"]);
        g.AddInitializer("slope", [4, 1], Values(4, 2)).AddNode("PRelu", ["h", "slope"], ["a"], name: "prelu");
        g.AddInitializer("w2", [2, 2, 1, 1], Values(4, 3)).AddNode("Conv", ["a", "w2"], ["y"]);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("Node 'prelu' (PRelu): slope 'slope' [4, 1] varies along axis 1 of rows of [2, 4, 4]", e.Message);
        Assert.Contains("one per channel along the row's first axis ([2, 1, 1]: nn.PReLU(2))", e.Message);
    }

    /// <summary>
    /// Over time-major windows [T, N, F] (an LSTM with batch_first=False), the broadcast is read with the batch second: [F]
    /// is per feature of each step and [T, 1, 1] per step, as over batch-first windows, while [T, 1] lines up with [N, F]
    /// and would give each window of the batch its own slope, which is refused. Each import scores as ONNX Runtime does.
    /// </summary>
    [Theory]
    [InlineData(new[] { 2 }, PReluSlopes.PerStepFeature)]
    [InlineData(new[] { 4, 1, 1 }, PReluSlopes.PerChannel)]
    [InlineData(new[] { 4, 1 }, null)]
    public void SlopeOverTimeMajorWindowsIsReadWithTheBatchSecond(int[] slopeShape, PReluSlopes? expected)
    {
        // x [4, N, 3] → LSTM (hidden 2) → Squeeze the direction → PRelu → MatMul to 3 per step → y [4, N, 3].
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [4, -1, 3]).AddOutput("y", [4, -1, 3]);
        g.AddInitializer("W", [1, 8, 3], Values(24, 1)).AddInitializer("R", [1, 8, 2], Values(16, 2)).AddInt64Initializer("axis", [1], [1L]);
        g.AddNode("LSTM", ["x", "W", "R"], ["Y"], name: "cell", attributes: [OnnxAttribute.FromInt("hidden_size", 2)]);
        g.AddNode("Squeeze", ["Y", "axis"], ["states"]);
        g.AddInitializer("slope", slopeShape, Values(slopeShape.Aggregate(1, (a, b) => a * b), 3));
        g.AddNode("PRelu", ["states", "slope"], ["activated"], name: "prelu");
        g.AddInitializer("w", [2, 3], Values(6, 4));
        g.AddNode("MatMul", ["activated", "w"], ["y"]);
        byte[] onnx = g.ToByteArray();

        if (expected is null)
        {
            var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(onnx));
            Assert.Contains("slope 'slope' [4, 1] does not broadcast over its input [4, N, 2] along one of the row's axes", e.Message);
            return;
        }
        var model = AutoencoderModel.ImportOnnx(onnx);
        using var runtime = OnnxAutoencoderModel.Load(onnx, "x", "y", inputShape: [4, 1, 3]);

        Assert.Equal(expected, model.Spec.Layers.OfType<PReluSpec>().Single().Slopes);
        float[] rows = Values(3 * 12, 7);
        ColumnValues.AssertClose(runtime.Reconstruct(rows, 3), model.Reconstruct(rows, 3), "engine vs ONNX Runtime", tolerance: 1e-6);
    }

    /// <summary>The engine's own export (the slope reshaped to [C, 1, 1] in the graph) imports back into the same network.</summary>
    [Fact]
    public void TheEnginesExportImportsBack()
    {
        var spec = NetworkSpec.Create(new TensorShape(2, 6, 6), [new Conv2dSpec(3, 3), new PReluSpec(), new MaxPool2dSpec()]);
        var model = Specs.StandaloneExport.Nudged(spec);
        var columns = new AutoencoderColumns("Features", "Code", "Reconstruction", "Error");

        // Without the error column (its ReduceMean has no engine layer), as ExportParity.ImportedBack reads a transformer's.
        var graph = Autoencoders.Onnx.Protos.ModelProto.Parser.ParseFrom(AutoencoderOnnx.ToBytes(model, columns, AutoencoderOnnx.GraphNames.Standalone, batched: true));
        foreach (var node in graph.Graph.Node.Where(n => n.Name.StartsWith("error.", StringComparison.Ordinal)).ToList()) graph.Graph.Node.Remove(node);
        graph.Graph.Output.Remove(graph.Graph.Output.Single(o => o.Name == "reconstruction_error"));

        var imported = AutoencoderModel.ImportOnnx(graph.ToByteArray());

        Assert.Equal(2, imported.Spec.Layers.Count(l => l is PReluSpec { Slopes: PReluSlopes.PerChannel }));
        float[] rows = Values(3 * 72, 5);
        ColumnValues.AssertClose(model.Reconstruct(rows, 3), imported.Reconstruct(rows, 3), "imported export vs engine", tolerance: 1e-6);
    }

    /// <summary>x [N, 4, 4] → MatMul to 4 per step → PRelu with a slope of the given shape → MatMul to 2 → MatMul to 4 → y.</summary>
    private static byte[] StepsGraph(int[] slopeShape)
    {
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, 4, 4]).AddOutput("y", [-1, 4, 4]);
        g.AddInitializer("w1", [4, 4], Values(16, 1));
        g.AddNode("MatMul", ["x", "w1"], ["h"]);
        g.AddInitializer("slope", slopeShape, Values(slopeShape.Aggregate(1, (a, b) => a * b), 2));
        g.AddNode("PRelu", ["h", "slope"], ["activated"], name: "prelu");
        g.AddInitializer("w2", [4, 2], Values(8, 3));
        g.AddNode("MatMul", ["activated", "w2"], ["code"]);
        g.AddInitializer("w3", [2, 4], Values(8, 4));
        g.AddNode("MatMul", ["code", "w3"], ["y"]);
        return g.ToByteArray();
    }

    private static float[] Values(int count, int seed) => [.. Enumerable.Range(0, count).Select(i => MathF.Sin(1.7f * i + 0.9f * seed))];
}
