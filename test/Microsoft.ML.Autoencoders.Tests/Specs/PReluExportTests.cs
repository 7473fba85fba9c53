using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Persistence;
using Microsoft.ML.Autoencoders.Onnx;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// prelu in ONNX: networks with it over rows (a slope per feature, and one shared), images and sequences (a slope per
/// channel) and windows (a slope per feature of each step), their slopes drawn apart, are written as ONNX PRelu with the
/// slope shaped so that the broadcast puts each slope where the engine does; ONNX Runtime scores them like the engine —
/// a batch at once and one row at a time — the ONNX checker accepts them, and they read back into the same spec and weights.
/// </summary>
public sealed class PReluExportTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("prelu-export-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string> Networks => new() { "rows", "images", "sequences", "steps" };

    private static NetworkSpec Spec(string name) => name switch
    {
        "rows" => NetworkSpec.Create(new TensorShape(12), [new DenseSpec(8), new PReluSpec(), new DenseSpec(3), new PReluSpec(PReluSlopes.Shared)]),
        "images" => NetworkSpec.Create(new TensorShape(2, 6, 6), [new Conv2dSpec(3, 3), new PReluSpec(), new MaxPool2dSpec()]),
        "sequences" => NetworkSpec.Create(new TensorShape(2, 8), [new Conv1dSpec(3, 3), new PReluSpec(), new MaxPool1dSpec(2)]),
        "steps" => NetworkSpec.Create(new TensorShape(4, 3),
            [new TimeDistributedDenseSpec(5), new PReluSpec(PReluSlopes.PerStepFeature), new TimeDistributedDenseSpec(2)],
            [new TimeDistributedDenseSpec(5), new PReluSpec(PReluSlopes.PerStepFeature), new TimeDistributedDenseSpec(3)]),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static AutoencoderModel Model(string name)
    {
        var model = StandaloneExport.Nudged(Spec(name));
        // Slopes far apart (some negative, some above 1): slopes near one another would hide one applied to the wrong values.
        var random = new Random(6);
        foreach (var slope in model.Network.Parameters.Parameters.Where(p => p.Role == Engine.Tensors.ParameterRole.Slope))
            for (int i = 0; i < slope.Length; i++) slope.Values[i] = (float)(random.NextDouble() * 2 - 0.5);
        return model;
    }

    private static readonly AutoencoderColumns Columns = new("Features", "Code", "Reconstruction", "Error");

    private static float[] Rows(AutoencoderModel model, int rows) => StandaloneExport.RandomRows(model, rows, spread: 2);

    [Theory]
    [MemberData(nameof(Networks))]
    public void OnnxRuntime_ScoresLikeTheEngine_BatchedAndRowByRow(string name)
    {
        var model = Model(name);
        StandaloneExport.AssertOnnxRuntimeScoresLike(model, Columns, Rows(model, 5), 5, 1e-6);
    }

    [Theory]
    [InlineData("rows", new[] { 8 }, new[] { 1 })]
    [InlineData("images", new[] { 3, 1, 1 })]
    [InlineData("sequences", new[] { 3, 1 })]
    [InlineData("steps", new[] { 5 }, new[] { 5 })]
    public void Slopes_AreShapedForTheBroadcast(string name, int[] first, int[]? second = null)
    {
        var model = Model(name);
        var graph = OnnxModelReader.Parse(AutoencoderOnnx.ToBytes(model, Columns, AutoencoderOnnx.GraphNames.Standalone, batched: true));
        // The slope is the parameter itself ([Count], as the model file keeps it) or that reshaped in the graph.
        int[] Shape(string slope) => graph.TryGetFloatInitializer(slope, out var stored) ? stored.Dimensions
            : [.. graph.GetInt64Initializer(graph.Nodes.Single(n => n.OpType == "Reshape" && n.Outputs[0] == slope).Inputs[1]).Values.Select(d => (int)d)];
        var shapes = graph.Nodes.Where(n => n.OpType == "PRelu").Select(n => Shape(n.Inputs[1])).ToList();
        Assert.Equal(first, shapes[0]);
        if (second is not null) Assert.Equal(second, shapes[1]);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void OnnxChecker_AcceptsTheGraph(string name) => StandaloneExport.AssertCheckerAccepts(Model(name), Columns, _directory, name, output);

    [Theory]
    [MemberData(nameof(Networks))]
    public void ModelFile_ReadsBackTheSpecAndWeights(string name)
    {
        var model = Model(name);
        StandaloneExport.AssertModelFileReadsBack(model, Columns, Rows(model, 3), 3);
    }
}
