using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Persistence;
using Microsoft.ML.Autoencoders.Tests.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// The checks a layer kind's export passes as the library's standalone model file: ONNX Runtime scores it like the engine,
/// a batch at once and one row at a time (the form ML.NET feeds); the ONNX checker accepts both forms; and it reads back
/// into the same spec and weights.
/// </summary>
internal static class StandaloneExport
{
    /// <summary><paramref name="rows"/> rows of <paramref name="model"/>'s input, uniform in [−spread, spread), always the same.</summary>
    public static float[] RandomRows(AutoencoderModel model, int rows, double spread)
    {
        var random = new Random(5);
        return Enumerable.Range(0, rows * model.InputSize).Select(_ => (float)(random.NextDouble() * (2 * spread) - spread)).ToArray();
    }

    /// <summary>A model of <paramref name="spec"/> whose drawn weights are nudged, so that every bias, γ and β matters.</summary>
    public static AutoencoderModel Nudged(NetworkSpec spec)
    {
        var network = AutoencoderNetwork.Create(spec, seed: 3);
        var random = new Random(4);
        var values = network.Parameters.Values;
        for (int i = 0; i < values.Length; i++) values[i] += (float)(random.NextDouble() - 0.5) * 0.4f;
        return new AutoencoderModel(network, null);
    }

    /// <summary>Holds ONNX Runtime's reconstruction and code of <paramref name="count"/> rows to the engine's, batched and row by row.</summary>
    public static void AssertOnnxRuntimeScoresLike(AutoencoderModel model, AutoencoderColumns columns, float[] batch, int count, double tolerance = 1e-5)
    {
        float[] reconstruction = model.Reconstruct(batch, count), code = model.Encode(batch, count);
        using (var session = new InferenceSession(AutoencoderOnnx.ToBytes(model, columns, AutoencoderOnnx.GraphNames.Standalone, batched: true)))
        {
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(batch, [count, model.InputSize]))]);
            ColumnValues.AssertClose(reconstruction, results.Single(r => r.Name == "reconstruction").AsEnumerable<float>().ToArray(), "batched reconstruction", tolerance);
            ColumnValues.AssertClose(code, results.Single(r => r.Name == "encoded").AsEnumerable<float>().ToArray(), "batched code", tolerance);
        }

        using (var session = new InferenceSession(AutoencoderOnnx.ToBytes(model, columns, AutoencoderOnnx.GraphNames.Standalone, batched: false)))
        {
            for (int row = 0; row < count; row++)
            {
                float[] input = batch.AsSpan(row * model.InputSize, model.InputSize).ToArray();
                using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(input, [model.InputSize]))]);
                var rowReconstruction = results.Single(r => r.Name == "reconstruction").AsTensor<float>();
                Assert.Equal([model.InputSize], rowReconstruction.Dimensions.ToArray());
                ColumnValues.AssertClose(reconstruction.AsSpan(row * model.InputSize, model.InputSize).ToArray(), rowReconstruction.ToArray(), $"row {row} reconstruction", tolerance);
                ColumnValues.AssertClose(code.AsSpan(row * model.CodeSize, model.CodeSize).ToArray(),
                    results.Single(r => r.Name == "encoded").AsEnumerable<float>().ToArray(), $"row {row} code", tolerance);
            }
        }
    }

    /// <summary>Passes both forms of the file through onnx.checker, where a Python with onnx is found (required where CI says so).</summary>
    public static void AssertCheckerAccepts(AutoencoderModel model, AutoencoderColumns columns, string directory, string name, ITestOutputHelper output)
    {
        OnnxPythonChecker? checker = OnnxPythonChecker.Find(out string whyMissing);
        if (checker is null)
        {
            Assert.True(Environment.GetEnvironmentVariable(OnnxPythonChecker.RequiredVariable) != "1", "No Python with onnx: " + whyMissing);
            output.WriteLine("NOT CHECKED: no Python with the onnx package (" + whyMissing + ").");
            return;
        }

        foreach (bool batched in new[] { true, false })
        {
            string path = Path.Combine(directory, $"{name}-{(batched ? "batched" : "row")}.onnx");
            File.WriteAllBytes(path, AutoencoderOnnx.ToBytes(model, columns, AutoencoderOnnx.GraphNames.Standalone, batched));
            var (passed, text) = checker.Check(path);
            output.WriteLine($"{path}: {text}");
            Assert.True(passed, $"onnx.checker rejected {path}: {text}");
        }
    }

    /// <summary>Reads the file back: the same columns, spec and weights, and the same reconstruction of <paramref name="batch"/>.</summary>
    public static void AssertModelFileReadsBack(AutoencoderModel model, AutoencoderColumns columns, float[] batch, int count)
    {
        var (read, readColumns) = AutoencoderOnnx.Read(AutoencoderOnnx.ToBytes(model, columns, AutoencoderOnnx.GraphNames.Standalone, batched: true));
        Assert.Equal(columns, readColumns);
        Assert.Equal(model.Spec, read.Spec);
        Assert.Equal(model.Network.Parameters.Values, read.Network.Parameters.Values);
        Assert.Equal(model.Reconstruct(batch, count), read.Reconstruct(batch, count));
    }
}
