using System.Text.Json;
using Google.Protobuf;
using Microsoft.ML.Autoencoders.Onnx;
using Microsoft.ML.Autoencoders.Onnx.Protos;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Persistence;

/// <summary>
/// One ONNX file from an ML.NET pipeline's raw columns to the library's outputs: ML.NET's own converter
/// (<c>mlContext.Model.ConvertToOnnx</c>) writes the transforms ahead of the autoencoder, and
/// <see cref="OnnxGraphComposer"/> joins that graph to the library's graph at the column the autoencoder reads.
/// </summary>
/// <remarks>
/// ML.NET's converter names the tensor of a column <c>{column}.output</c>, declares each raw column as an input of shape
/// [-1, width] (one row per batch entry) and writes ai.onnx opset 12 with ai.onnx.ml nodes (Scaler, FeatureVectorizer,
/// Imputer, ...). The composed file adds the metadata entry <see cref="PipelineKey"/>: the raw inputs, the column joined
/// on and the converter's producer string.
/// </remarks>
internal static class PipelineOnnx
{
    public const string PipelineKey = "autoencoders.pipeline";

    /// <summary>Writes the composed model.</summary>
    /// <param name="stream">Where the file goes.</param>
    /// <param name="ours">The library's standalone graph (input <c>input</c> [N, d]).</param>
    /// <param name="column">The ML.NET column the library's component reads.</param>
    /// <param name="preprocessing">The fitted transforms ahead of the component.</param>
    /// <param name="inputData">Data with the raw columns' schema (the preprocessing's input).</param>
    /// <param name="graphName">The composed graph's name.</param>
    public static void Write(Stream stream, byte[] ours, string column, ITransformer preprocessing, IDataView inputData, string graphName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(preprocessing);
        ArgumentNullException.ThrowIfNull(inputData);
        DataViewSchema output;
        try
        {
            output = preprocessing.GetOutputSchema(inputData.Schema);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new ArgumentException($"The preprocessing does not accept the schema of inputData: {e.Message}", nameof(inputData), e);
        }
        if (output.GetColumnOrNull(column) is not { IsHidden: false })
            throw new ArgumentException(
                $"The preprocessing's output has no column '{column}', which the autoencoder reads. Pass the fitted transforms that come before the " +
                "autoencoder in the pipeline, and the data they were fitted on (or any data with the same raw columns).", nameof(preprocessing));

        ModelProto front = ModelProto.Parser.ParseFrom(Convert(preprocessing, inputData, column));
        string frontOutput = front.Graph.Output.Any(o => o.Name == column + ".output") ? column + ".output" : column;
        ModelProto back = ModelProto.Parser.ParseFrom(ours);
        ModelProto model = OnnxGraphComposer.Compose(front, frontOutput, back, AutoencoderOnnx.GraphNames.Standalone.Input, graphName);

        var description = new Dictionary<string, object>
        {
            ["column"] = column,
            ["inputs"] = model.Graph.Input.Select(i => i.Name).Where(n => !back.Graph.Input.Any(b => b.Name == n)).ToArray(),
            ["producer"] = $"{front.ProducerName} {front.ProducerVersion}".Trim(),
        };
        model.MetadataProps.Add(new StringStringEntryProto { Key = PipelineKey, Value = JsonSerializer.Serialize(description) });
        model.WriteTo(stream);
    }

    /// <summary>ML.NET's ONNX form of the preprocessing, keeping only <paramref name="column"/> as an output.</summary>
    private static byte[] Convert(ITransformer preprocessing, IDataView inputData, string column)
    {
        // Refused before the converter runs: it does not fail on an autoencoder of ours, it skips it and makes the
        // columns it writes (the code) inputs of the graph, so the file would not read the raw columns.
        var steps = new List<ITransformer>();
        Flatten(preprocessing, steps);
        int own = steps.FindIndex(IsOwn);
        if (own >= 0) throw new NotSupportedException(OwnStep(own, steps[own]));

        var ml = new MLContext();
        using var bytes = new MemoryStream();
        try
        {
            ml.Model.ConvertToOnnx(preprocessing, inputData, bytes, column);
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or NotImplementedException or ArgumentException or InvalidCastException)
        {
            throw new NotSupportedException(Unconvertible(ml, preprocessing, inputData, column) + " (ML.NET's converter said: " + e.Message + ")", e);
        }
        return bytes.ToArray();
    }

    /// <summary>
    /// Names the first step of the preprocessing that ML.NET cannot write to ONNX: it converts ever longer prefixes of the
    /// chain, each asked for the columns its last step writes (alone, a step the converter cannot write is skipped
    /// silently and its input passed on, so it must be asked for what it writes, after the steps that feed it).
    /// </summary>
    private static string Unconvertible(MLContext ml, ITransformer preprocessing, IDataView inputData, string column)
    {
        string advice = $" Save the autoencoder alone with SaveAsOnnx(stream) and compute its '{column}' column outside the ONNX file, or replace " +
            "that step with transforms that ML.NET converts (normalizers, Concatenate, ConvertType, ReplaceMissingValues, ...).";
        var steps = new List<ITransformer>();
        Flatten(preprocessing, steps);
        DataViewSchema input = inputData.Schema;
        for (int i = 0; i < steps.Count; i++)
        {
            ITransformer step = steps[i];
            DataViewSchema output = step.GetOutputSchema(input);
            string[] columns = [.. output.Where(c => c.Index >= input.Count && !c.IsHidden).Select(c => c.Name)];
            input = output;
            if (columns.Length == 0)
                continue;
            try
            {
                ml.Model.ConvertToOnnx(new TransformerChain<ITransformer>([.. steps.Take(i + 1)]), inputData, Stream.Null, columns);
            }
            catch (Exception)
            {
                string name = StepName(step);
                string written = string.Join(", ", columns.Select(c => $"'{c}'"));
                return $"Step {i + 1} of the preprocessing, {name} (writing {written}), has no ONNX form in ML.NET's converter." + advice;
            }
        }
        return "ML.NET's converter cannot write the preprocessing to ONNX." + advice;
    }

    /// <summary>True for a transformer of this library, which ML.NET's converter cannot write.</summary>
    private static bool IsOwn(ITransformer step) => step.GetType().Assembly == typeof(PipelineOnnx).Assembly;

    private static string OwnStep(int index, ITransformer step) =>
        $"Step {index + 1} of the preprocessing is the library's own {StepName(step)}: pass only the transforms ahead of the autoencoder.";

    private static void Flatten(ITransformer transformer, List<ITransformer> steps)
    {
        if (transformer is IEnumerable<ITransformer> chain)
        {
            foreach (ITransformer step in chain)
                Flatten(step, steps);
        }
        else
        {
            steps.Add(transformer);
        }
    }

    private static string StepName(ITransformer step)
    {
        string name = step.GetType().Name;
        int tick = name.IndexOf('`');
        return tick < 0 ? name : name[..tick];
    }
}
