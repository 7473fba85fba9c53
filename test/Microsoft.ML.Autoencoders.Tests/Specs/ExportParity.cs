using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// The checks every network kind's export passes: its ONNX form scores like the engine in ONNX Runtime (batched), the
/// typed reload gives back the same spec and exactly the same reconstruction, and <c>Model.Load</c> (the ONNX graph run
/// row by row by ML.NET) gives the same Code, Reconstruction and Error columns.
/// </summary>
internal static class ExportParity
{
    /// <param name="ml">The context that trained <paramref name="transformer"/>.</param>
    /// <param name="transformer">Trained with columns named Code, Reconstruction and Error.</param>
    /// <param name="data">The rows to score.</param>
    /// <param name="batch">The same rows' input values, row after row.</param>
    /// <returns>The typed reload, for checks of its own.</returns>
    public static AutoencoderTransformer AssertScoresAlike(MLContext ml, AutoencoderTransformer transformer, IDataView data, float[] batch)
    {
        int rows = batch.Length / transformer.Model.InputSize;
        var expected = transformer.Transform(data);
        using var onnx = new MemoryStream();
        transformer.SaveAsOnnx(onnx);
        using (var session = new InferenceSession(onnx.ToArray()))
        {
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(batch, [rows, transformer.Model.InputSize]))]);
            ColumnValues.AssertClose(transformer.Model.Reconstruct(batch, rows), results.Single(r => r.Name == "reconstruction").AsEnumerable<float>().ToArray(), "ONNX Runtime reconstruction");
            ColumnValues.AssertClose(transformer.Model.Encode(batch, rows), results.Single(r => r.Name == "encoded").AsEnumerable<float>().ToArray(), "ONNX Runtime code");
        }

        onnx.Position = 0;
        var reloaded = AutoencoderTransformer.LoadOnnx(onnx);
        Assert.Equal(transformer.Model.Spec, reloaded.Model.Spec);
        ColumnValues.AssertClose(ColumnValues.Vectors(expected, "Reconstruction"), ColumnValues.Vectors(reloaded.Transform(data), "Reconstruction"), "typed reload", 0);

        using var file = new TemporaryFile();
        ml.Model.Save(transformer, data.Schema, file.Path);
        var loaded = new MLContext().Model.Load(file.Path, out _).Transform(data);
        ColumnValues.AssertClose(ColumnValues.Vectors(expected, "Code"), ColumnValues.Vectors(loaded, "Code"), "Code after Model.Load");
        ColumnValues.AssertClose(ColumnValues.Vectors(expected, "Reconstruction"), ColumnValues.Vectors(loaded, "Reconstruction"), "Reconstruction after Model.Load");
        ColumnValues.AssertClose(ColumnValues.Scalars(expected, "Error"), ColumnValues.Scalars(loaded, "Error"), "Error after Model.Load");
        return reloaded;
    }

    /// <summary>
    /// <paramref name="transformer"/>'s ONNX file read back into the engine by <see cref="AutoencoderModel.ImportOnnx(byte[], string?)"/>,
    /// without its error column (whose ReduceMean has no engine layer), as a graph from elsewhere would come.
    /// </summary>
    public static AutoencoderModel ImportedBack(AutoencoderTransformer transformer)
    {
        using var onnx = new MemoryStream();
        transformer.SaveAsOnnx(onnx);
        var graph = Microsoft.ML.Autoencoders.Onnx.Protos.ModelProto.Parser.ParseFrom(onnx.ToArray());
        foreach (var node in graph.Graph.Node.Where(n => n.Name.StartsWith("error.", StringComparison.Ordinal)).ToList()) graph.Graph.Node.Remove(node);
        graph.Graph.Output.Remove(graph.Graph.Output.Single(o => o.Name == "reconstruction_error"));
        return AutoencoderModel.ImportOnnx(graph.ToByteArray());
    }
}
