using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// layer_norm in ONNX: networks with it over rows and over each step of windows, with and without γ and β (weights drawn,
/// then nudged so γ and β differ from 1 and 0), are written as ONNX LayerNormalization (opset 17, the exporter's), which ONNX
/// Runtime scores like the engine within 1e-6 — a batch at once and one row at a time — which the ONNX checker accepts, and
/// which reads back into the same spec and weights.
/// </summary>
public sealed class LayerNormExportTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("layer-norm-export-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string> Networks => new() { "rows", "rows-without-affine", "steps" };

    private static NetworkSpec Spec(string name) => name switch
    {
        "rows" => NetworkSpec.Create(new TensorShape(12), [new DenseSpec(8), new LayerNormSpec(), new ActivationSpec(Activation.Tanh), new DenseSpec(3)]),
        "rows-without-affine" => NetworkSpec.Create(new TensorShape(12), [new DenseSpec(8), new LayerNormSpec(1e-3f, ElementwiseAffine: false), new ActivationSpec(Activation.Relu), new DenseSpec(3)]),
        "steps" => NetworkSpec.Create(new TensorShape(6, 3),
            [new TimeDistributedDenseSpec(8), new LayerNormSpec(), new ActivationSpec(Activation.Tanh), new TimeDistributedDenseSpec(2)],
            [new TimeDistributedDenseSpec(8), new LayerNormSpec(0.1f, ElementwiseAffine: false), new ActivationSpec(Activation.Tanh), new TimeDistributedDenseSpec(3)]),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static AutoencoderModel Model(string name) => StandaloneExport.Nudged(Spec(name));

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
