using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Persistence;

/// <summary>
/// What an <see cref="OnnxAutoencoderTransformer"/> becomes when saved: ML.NET's own transformers around the imported
/// graph's bytes, untouched, and our small adapter graph (<see cref="OnnxImportAdapter"/>), so a fresh process loads it
/// with plain <c>mlContext.Model.Load</c> and nothing of ours but the error's CustomMapping contract:
/// <code>
/// [CopyColumns(&lt;graph input&gt; ← input column)]                                  when the names differ
/// [Concatenate(&lt;graph input&gt; ← the input row B times)]                          for a graph fixed to B &gt; 1 rows a run
///   → ApplyOnnxModel(&lt;graph input&gt; → &lt;reconstruction output&gt; [, &lt;code output&gt;])   the imported graph
///   → ApplyOnnxModel(&lt;graph input&gt;, &lt;reconstruction&gt; [, &lt;code&gt;] → __onnx_reconstruction, __onnx_encoded, __autoencoder_error_vector)
///   → CustomMapping(error vector [1] → scalar) → CopyColumns(user names) → DropColumns(everything in between)
/// </code>
/// ML.NET binds columns to graph tensors by name, so the graph's own tensor names are columns for the length of the
/// chain: an input column of the same name as one of them (other than the graph input, when it is the input column)
/// is hidden by it and dropped with it. A graph fixed to B &gt; 1 rows a run gets the row repeated B times (it scores its
/// rows apart, as the probe checked or InputShape said), the adapter reads the first row's outputs, and an input column
/// named as the graph input is copied back over the repeated one at the end.
/// </summary>
internal static class OnnxImportChain
{
    public static ICanSaveModel Build(OnnxAutoencoderTransformer transformer)
    {
        var ml = new MLContext();
        var columns = transformer.Columns;
        var reserved = new List<string>();
        var pipeline = AppendGraph(ml, null, transformer.Model, columns, ErrorVectorToScalar.VectorColumn, reserved, out _);
        var copies = new List<InputOutputColumnPair>();
        if (columns.Encoded != null) copies.Add(new(columns.Encoded, OnnxImportAdapter.EncodedColumn));
        if (columns.Reconstruction != null) copies.Add(new(columns.Reconstruction, OnnxImportAdapter.ReconstructionColumn));
        if (columns.ReconstructionError != null)
        {
            pipeline = pipeline.Append(ml.Transforms.CustomMapping(new ErrorVectorToScalar().GetMapping(), ErrorVectorToScalar.ContractName));
            reserved.Add(ErrorVectorToScalar.ScalarColumn);
            copies.Add(new(columns.ReconstructionError, ErrorVectorToScalar.ScalarColumn));
        }
        foreach (var copy in copies) pipeline = pipeline.Append(ml.Transforms.CopyColumns(copy.OutputColumnName, copy.InputColumnName));
        pipeline = pipeline.Append(ml.Transforms.DropColumns(reserved.ToArray()));
        return (ICanSaveModel)pipeline.Fit(new SchemaOnlyDataView(InputSchema(columns.Input, transformer.Model.InputSize)));
    }

    /// <summary>
    /// Appends to <paramref name="pipeline"/> (or starts) the steps that run the imported graph on <paramref name="columns"/>'
    /// input and the adapter that writes the outputs <paramref name="columns"/> asks for: the reconstruction to
    /// <see cref="OnnxImportAdapter.ReconstructionColumn"/>, the code to <see cref="OnnxImportAdapter.EncodedColumn"/>, the error
    /// vector to <paramref name="errorVector"/>. Every column these steps add is listed in <paramref name="reserved"/> for the
    /// caller to drop; <paramref name="adapter"/> is the adapter graph's bytes.
    /// </summary>
    public static IEstimator<ITransformer> AppendGraph(MLContext ml, IEstimator<ITransformer>? pipeline, OnnxAutoencoderModel model,
        AutoencoderColumns columns, string errorVector, List<string> reserved, out byte[] adapter)
    {
        var binding = model.Binding;
        string graphInput = binding.InputName;
        IEstimator<ITransformer> Append(IEstimator<ITransformer> step) => pipeline = pipeline is null ? step : pipeline.Append(step);

        int runRows = binding.FixedBatchSize;
        string? keptInput = null;
        if (runRows > 1)
        {
            // ML.NET's OnnxTransformer feeds one row per run; the graph takes exactly runRows, which the row repeated fills.
            string row = columns.Input;
            if (columns.Input == graphInput)
            {
                keptInput = row = RowColumn;
                Append(ml.Transforms.CopyColumns(RowColumn, columns.Input));
                reserved.Add(RowColumn);
            }
            else reserved.Add(graphInput);
            Append(ml.Transforms.Concatenate(graphInput, [.. Enumerable.Repeat(row, runRows)]));
        }
        else if (columns.Input != graphInput)
        {
            Append(ml.Transforms.CopyColumns(graphInput, columns.Input));
            reserved.Add(graphInput);
        }
        var graphOutputs = new List<string> { binding.ReconstructionName };
        var shapes = new Dictionary<string, int[]>
        {
            // One run's rows: ML.NET's OnnxTransformer feeds one row per run, and a symbolic axis left open makes it guess.
            [graphInput] = [.. binding.InputTensorShape(runRows).Select(d => (int)d)],
            [binding.ReconstructionName] = [.. binding.ReconstructionShapeOfOneRun.Select(d => (int)d)],
        };
        var adapterInputs = new List<string> { graphInput, binding.ReconstructionName };
        if (columns.Encoded != null)
        {
            graphOutputs.Add(binding.CodeName!);
            shapes[binding.CodeName!] = [.. binding.CodeShapeOfOneRun!.Select(d => (int)d)];
            adapterInputs.Add(binding.CodeName!);
        }
        Append(ml.Transforms.ApplyOnnxModel(graphOutputs.ToArray(), [graphInput], new MemoryStream(model.OnnxBytes), shapes, gpuDeviceId: null, fallbackToCpu: false));
        reserved.AddRange(graphOutputs);

        adapter = OnnxImportAdapter.ToBytes(model, columns, errorVector);
        var adapterOutputs = new List<string>();
        if (columns.Reconstruction != null) adapterOutputs.Add(OnnxImportAdapter.ReconstructionColumn);
        if (columns.Encoded != null) adapterOutputs.Add(OnnxImportAdapter.EncodedColumn);
        if (columns.ReconstructionError != null) adapterOutputs.Add(errorVector);
        Append(ml.Transforms.ApplyOnnxModel(adapterOutputs.ToArray(), adapterInputs.ToArray(), new MemoryStream(adapter)));
        reserved.AddRange(adapterOutputs);
        if (keptInput != null) Append(ml.Transforms.CopyColumns(graphInput, keptInput)); // the user's row again, over the repeated one
        return pipeline!;
    }

    /// <summary>The input row kept aside while the graph input column holds it repeated, for a graph fixed to several rows a run.</summary>
    private const string RowColumn = SavedModelArchive.ReservedPrefix + "onnx_row";

    /// <summary>A schema of one vector column, enough to fit the chain's trivial estimators.</summary>
    public static DataViewSchema InputSchema(string column, int size)
    {
        var schema = new DataViewSchema.Builder();
        schema.AddColumn(column, new VectorDataViewType(NumberDataViewType.Single, size));
        return schema.ToSchema();
    }
}
