using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Persistence;
using Microsoft.ML.Autoencoders.Tests.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
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

    private static AutoencoderModel Model(string name)
    {
        var network = AutoencoderNetwork.Create(Spec(name), seed: 3);
        var random = new Random(4);
        var values = network.Parameters.Values;
        for (int i = 0; i < values.Length; i++) values[i] += (float)(random.NextDouble() - 0.5) * 0.4f;
        return new AutoencoderModel(network, null);
    }

    private static readonly AutoencoderColumns Columns = new("Features", "Code", "Reconstruction", "Error");

    [Theory]
    [MemberData(nameof(Networks))]
    public void OnnxRuntime_ScoresLikeTheEngine_BatchedAndRowByRow(string name)
    {
        var model = Model(name);
        const int Count = 5;
        var random = new Random(5);
        float[] batch = [.. Enumerable.Range(0, Count * model.InputSize).Select(_ => (float)(random.NextDouble() * 4 - 2))];
        float[] reconstruction = model.Reconstruct(batch, Count), code = model.Encode(batch, Count);

        using (var session = new InferenceSession(AutoencoderOnnx.ToBytes(model, Columns, AutoencoderOnnx.GraphNames.Standalone, batched: true)))
        {
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(batch, [Count, model.InputSize]))]);
            ColumnValues.AssertClose(reconstruction, results.Single(r => r.Name == "reconstruction").AsEnumerable<float>().ToArray(), "batched reconstruction", 1e-6);
            ColumnValues.AssertClose(code, results.Single(r => r.Name == "encoded").AsEnumerable<float>().ToArray(), "batched code", 1e-6);
        }
        using (var session = new InferenceSession(AutoencoderOnnx.ToBytes(model, Columns, AutoencoderOnnx.GraphNames.Standalone, batched: false)))
        {
            for (int row = 0; row < Count; row++)
            {
                float[] input = batch.AsSpan(row * model.InputSize, model.InputSize).ToArray();
                using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(input, [model.InputSize]))]);
                ColumnValues.AssertClose(reconstruction.AsSpan(row * model.InputSize, model.InputSize).ToArray(),
                    results.Single(r => r.Name == "reconstruction").AsEnumerable<float>().ToArray(), $"row {row} reconstruction", 1e-6);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void OnnxChecker_AcceptsTheGraph(string name)
    {
        OnnxPythonChecker? checker = OnnxPythonChecker.Find(out string whyMissing);
        if (checker is null)
        {
            Assert.True(Environment.GetEnvironmentVariable(OnnxPythonChecker.RequiredVariable) != "1", "No Python with onnx: " + whyMissing);
            output.WriteLine("NOT CHECKED: no Python with the onnx package (" + whyMissing + ").");
            return;
        }
        var model = Model(name);
        foreach (bool batched in new[] { true, false })
        {
            string path = Path.Combine(_directory, $"{name}-{(batched ? "batched" : "row")}.onnx");
            File.WriteAllBytes(path, AutoencoderOnnx.ToBytes(model, Columns, AutoencoderOnnx.GraphNames.Standalone, batched));
            var (passed, text) = checker.Check(path);
            output.WriteLine($"{path}: {text}");
            Assert.True(passed, $"onnx.checker rejected {path}: {text}");
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void ModelFile_ReadsBackTheSpecAndWeights(string name)
    {
        var model = Model(name);
        var (read, _) = AutoencoderOnnx.Read(AutoencoderOnnx.ToBytes(model, Columns, AutoencoderOnnx.GraphNames.Standalone, batched: true));
        Assert.Equal(model.Spec, read.Spec);
        Assert.Equal(model.Network.Parameters.Values, read.Network.Parameters.Values);
    }
}
