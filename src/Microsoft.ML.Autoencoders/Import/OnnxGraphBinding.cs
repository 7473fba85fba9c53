using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Which tensors of a foreign ONNX graph play which part, and the shapes that follow: the graph's one float input, its
/// reconstruction output (the input's shape again) and optionally its code output, each per row; and whether the graph
/// takes a batch of rows in one run (a free leading dimension) or a fixed number of rows per run (one, or the B of a
/// graph exported from a dummy batch of B rows).
/// </summary>
/// <remarks>
/// Checked against the session's own metadata first, so a wrong name or type is reported with the names and types the
/// graph has; then the graph is run on zeros (one run, and one of two rows when it may batch), because declared output
/// shapes are often symbolic or missing, and only a run tells the real per-row sizes. A fixed leading size B &gt; 1 is
/// the batch only when runs show that the graph scores its B slices apart (<see cref="ScoresSlicesApart"/>): a time axis
/// or per-slot weights look the same from the shape, and reading them as rows would score silently wrong.
/// </remarks>
internal sealed record OnnxGraphBinding(
    string InputName, string ReconstructionName, string? CodeName,
    int[] RowShape, bool HasBatchAxis, bool AcceptsBatches, int CodeSize)
{
    /// <summary>
    /// The rows every run takes when the graph fixes them (<see cref="AcceptsBatches"/> false): 1 for [1, ...] or an input
    /// without a batch axis, B for a fixed batch [B, ...] whose slices the graph scores apart.
    /// </summary>
    public int FixedBatchRows { get; init; } = 1;

    /// <summary>The rows of the smallest run: <see cref="FixedBatchRows"/>, or 1 when the graph takes any number.</summary>
    public int RowsOfOneRun => AcceptsBatches ? 1 : FixedBatchRows;

    /// <summary>The reconstruction's tensor shape for a run of <see cref="RowsOfOneRun"/> rows, as a run gave it.</summary>
    public long[] ReconstructionShapeOfOneRun { get; init; } = [];

    /// <summary>The code's tensor shape for a run of <see cref="RowsOfOneRun"/> rows, as a run gave it; null without a code output.</summary>
    public long[]? CodeShapeOfOneRun { get; init; }

    /// <summary>Values per input row (and per reconstruction row).</summary>
    public int InputSize => RowShape.Aggregate(1, (a, b) => a * b);

    /// <summary>The tensor shape that carries <paramref name="rows"/> rows into the graph.</summary>
    public long[] InputTensorShape(int rows) =>
        HasBatchAxis ? [rows, .. RowShape.Select(d => (long)d)] : [.. RowShape.Select(d => (long)d)];

    /// <summary>
    /// Checks that column <paramref name="column"/>, of <paramref name="size"/> values per row, fits the graph's input, with
    /// a message about the graph rather than about training; a fixed leading axis other than 1 that the column's size
    /// divides, and that runs showed is not a batch, is named as such, with the option that reads it as one anyway.
    /// </summary>
    public void CheckColumnSize(string column, int size)
    {
        if (size == InputSize) return;
        string message = $"Column '{column}' has {size} values per row but graph input '{InputName}' takes {InputSize} per row " +
            $"(tensor shape [{string.Join(", ", InputTensorShape(RowsOfOneRun))}]{(FixedBatchRows > 1 ? $", run {FixedBatchRows} rows at a time" : "")}).";
        if (!HasBatchAxis && RowShape.Length >= 2 && RowShape[0] > 1 && size * RowShape[0] == InputSize)
            message += $" Its leading {RowShape[0]} is not a batch of rows: the graph does not score its {RowShape[0]} slices apart (run on distinct " +
                "slices, on them in reverse order and on copies of one, its outputs did not follow the slices, as along a time axis or with weights per slot), " +
                $"so one row holds all {InputSize} values. If that axis is the batch all the same, say so with InputShape = [{string.Join(", ", RowShape[1..])}].";
        else message += " Score data prepared the way the graph's inputs were.";
        throw new ArgumentOutOfRangeException("inputSchema", message);
    }

    /// <summary>Checks the names and types against <paramref name="session"/> and measures the per-row sizes by running it.</summary>
    /// <param name="session">The graph, loaded.</param>
    /// <param name="inputName">The graph input the rows go to.</param>
    /// <param name="reconstructionName">The graph output that reconstructs the input.</param>
    /// <param name="codeName">The graph output holding the code, or null.</param>
    /// <param name="rowShape">The per-row input shape when the graph leaves it open, else null.</param>
    public static OnnxGraphBinding Bind(InferenceSession session, string inputName, string reconstructionName, string? codeName, int[]? rowShape)
    {
        var inputs = session.InputMetadata;
        var outputs = session.OutputMetadata;
        if (!inputs.TryGetValue(inputName, out var input))
            throw new ArgumentException($"The ONNX graph has no input '{inputName}'. Its inputs: {Describe(inputs)}. Set GraphInputName to the one that takes the rows.");
        var others = inputs.Keys.Where(name => name != inputName).ToList();
        if (others.Count > 0)
            throw new ArgumentException(
                $"The ONNX graph has inputs besides '{inputName}': {Describe(inputs.Where(i => i.Key != inputName))}. An imported autoencoder feeds exactly one input; " +
                "export the graph with the others folded into constants.");
        CheckFloatTensor(input, $"Graph input '{inputName}'");
        CheckOutput(outputs, reconstructionName, "ReconstructionOutputName");
        if (codeName != null) CheckOutput(outputs, codeName, "CodeOutputName");
        if (codeName == reconstructionName)
            throw new ArgumentException($"CodeOutputName and ReconstructionOutputName both name '{codeName}'; the code is the narrow output, the reconstruction the one shaped like the input.");

        int[] dimensions = input.Dimensions;
        var (shape, batchAxis) = RowShapeOf(inputName, dimensions, rowShape);
        if (!batchAxis && rowShape is null && dimensions.Length >= 2 && dimensions[0] > 1)
        {
            // A fixed leading B > 1, as torch.onnx.export writes for a dummy batch of B rows without dynamic_axes: a batch
            // if the graph scores its slices apart, else part of one row (the whole tensor).
            var asBatch = new OnnxGraphBinding(inputName, reconstructionName, codeName, dimensions[1..], HasBatchAxis: true, AcceptsBatches: false, CodeSize: 0)
            {
                FixedBatchRows = dimensions[0],
            };
            if (asBatch.ScoresSlicesApart(session)) (shape, batchAxis) = (asBatch.RowShape, true);
        }
        int runRows = batchAxis && dimensions[0] > 1 ? dimensions[0] : 1;
        var probe = new OnnxGraphBinding(inputName, reconstructionName, codeName, shape, batchAxis, AcceptsBatches: false, CodeSize: 0) { FixedBatchRows = runRows };
        var (reconstructionShape, codeShape) = probe.RunOnZeros(session, runRows);
        int reconstructionSize = PerRow(reconstructionShape, batchAxis, runRows);
        if (reconstructionSize != probe.InputSize)
            throw new ArgumentException(
                $"Output '{reconstructionName}' gives {reconstructionSize} values per row (shape [{string.Join(", ", reconstructionShape)}]) but input '{inputName}' takes " +
                $"{probe.InputSize} ([{string.Join(", ", probe.InputTensorShape(runRows))}]): a reconstruction has the input's shape. The graph's outputs: {Describe(outputs)}.");
        int codeSize = codeShape is null ? 0 : PerRow(codeShape, batchAxis, runRows);
        bool acceptsBatches = batchAxis && dimensions[0] < 0 && probe.TakesTwoRows(session);
        return probe with { AcceptsBatches = acceptsBatches, CodeSize = codeSize, ReconstructionShapeOfOneRun = reconstructionShape, CodeShapeOfOneRun = codeShape };
    }

    /// <summary>
    /// Whether the graph scores the <see cref="FixedBatchRows"/> slices of its input apart, as rows of a batch: distinct
    /// rows, the same rows in reverse order, and copies of the first row must each give every output's slices moved with
    /// their rows. Slices that mix (a time axis, a mean over the axis) or are weighed per slot fail one of the three.
    /// </summary>
    private bool ScoresSlicesApart(InferenceSession session)
    {
        int rows = FixedBatchRows, size = InputSize;
        var random = new Random(17);
        var distinct = new float[rows * size];
        for (int i = 0; i < distinct.Length; i++) distinct[i] = (float)random.NextDouble();
        var reversed = new float[distinct.Length];
        var copies = new float[distinct.Length];
        for (int r = 0; r < rows; r++)
        {
            distinct.AsSpan((rows - 1 - r) * size, size).CopyTo(reversed.AsSpan(r * size));
            distinct.AsSpan(0, size).CopyTo(copies.AsSpan(r * size));
        }
        try
        {
            var fromDistinct = Outputs(session, distinct);
            var fromReversed = Outputs(session, reversed);
            var fromCopies = Outputs(session, copies);
            for (int o = 0; o < fromDistinct.Length; o++)
            {
                if (fromDistinct[o].Length % rows != 0 || fromReversed[o].Length != fromDistinct[o].Length || fromCopies[o].Length != fromDistinct[o].Length) return false;
                int perRow = fromDistinct[o].Length / rows;
                for (int r = 0; r < rows; r++)
                {
                    var row = fromDistinct[o].AsSpan(r * perRow, perRow);
                    if (!Close(fromReversed[o].AsSpan((rows - 1 - r) * perRow, perRow), row)) return false;
                    if (!Close(fromCopies[o].AsSpan(r * perRow, perRow), fromDistinct[o].AsSpan(0, perRow))) return false;
                }
            }
            return true;
        }
        catch (OnnxRuntimeException)
        {
            return false; // the graph cannot run on these values; read as one row, it is run on zeros next and reports its own error
        }

        static bool Close(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        {
            for (int i = 0; i < a.Length; i++)
                if (!(Math.Abs(a[i] - b[i]) <= 1e-4f * (1 + Math.Abs(b[i])))) return false;
            return true;
        }
    }

    /// <summary>The reconstruction's (and the code's) values for one run on <paramref name="input"/> ([FixedBatchRows, row shape]).</summary>
    private float[][] Outputs(InferenceSession session, float[] input)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, InputTensorShape(FixedBatchRows));
        string[] names = CodeName is null ? [ReconstructionName] : [ReconstructionName, CodeName];
        using var options = new RunOptions();
        using var results = session.Run(options, [InputName], [value], names);
        return [.. results.Select(r => r.GetTensorDataAsSpan<float>().ToArray())];
    }

    /// <summary>Runs the graph on <paramref name="rows"/> rows of zeros and returns the shapes it gave.</summary>
    private (long[] Reconstruction, long[]? Code) RunOnZeros(InferenceSession session, int rows)
    {
        var zeros = new float[rows * InputSize];
        using var value = OrtValue.CreateTensorValueFromMemory(zeros, InputTensorShape(rows));
        string[] names = CodeName is null ? [ReconstructionName] : [ReconstructionName, CodeName];
        try
        {
            using var options = new RunOptions();
            using var results = session.Run(options, [InputName], [value], names);
            return (results[0].GetTensorTypeAndShape().Shape, CodeName is null ? null : results[1].GetTensorTypeAndShape().Shape);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ArgumentException($"ONNX Runtime could not run the graph on input '{InputName}' of shape [{string.Join(", ", InputTensorShape(rows))}]: {e.Message}", e);
        }
    }

    /// <summary>Whether two rows in one run give two rows out (a graph may declare a free batch axis and still fix it inside).</summary>
    private bool TakesTwoRows(InferenceSession session)
    {
        try
        {
            var (reconstruction, code) = RunOnZeros(session, rows: 2);
            return reconstruction.Length > 0 && reconstruction[0] == 2 && (code is null || (code.Length > 0 && code[0] == 2));
        }
        catch (ArgumentException)
        {
            return false; // it runs one row at a time, which Bind has already proved
        }
    }

    private static (int[] Shape, bool BatchAxis) RowShapeOf(string name, int[] dimensions, int[]? given)
    {
        // [N, ...] or [1, ...] lead with a batch axis; a rank-1 input is one row per run. A fixed [B, ...] (B > 1) is a batch
        // when the given shape leaves out its leading axis (how a saved model restores what Bind measured); otherwise Bind
        // measures it.
        bool batchAxis = dimensions.Length >= 2 && (dimensions[0] < 0 || dimensions[0] == 1
            || (dimensions[0] > 1 && given is not null && given.Length == dimensions.Length - 1));
        int[] declared = batchAxis ? dimensions[1..] : dimensions;
        if (given is not null)
        {
            if (given.Length != declared.Length || given.Zip(declared).Any(p => p.Second > 0 && p.First != p.Second) || given.Any(d => d <= 0))
                throw new ArgumentException($"InputShape [{string.Join(", ", given)}] does not fit input '{name}', whose per-row shape is [{Dims(declared)}].");
            return (given, batchAxis);
        }
        if (declared.Length == 0 || declared.Any(d => d <= 0))
            throw new ArgumentException(
                $"Input '{name}' has shape [{Dims(dimensions)}]: its per-row size is not fixed. Give the per-row shape with InputShape (e.g. [784] or [1, 28, 28]).");
        return (declared, batchAxis);
    }

    private static int PerRow(long[] shape, bool batchAxis, int rows)
    {
        long size = shape.Aggregate(1L, (a, b) => a * b);
        return (int)(batchAxis ? size / rows : size);
    }

    private static void CheckOutput(IReadOnlyDictionary<string, NodeMetadata> outputs, string name, string option)
    {
        if (!outputs.TryGetValue(name, out var output))
            throw new ArgumentException($"The ONNX graph has no output '{name}'. Its outputs: {Describe(outputs)}. Set {option} to one of them.");
        CheckFloatTensor(output, $"Graph output '{name}'");
    }

    private static void CheckFloatTensor(NodeMetadata value, string what)
    {
        if (!value.IsTensor)
            throw new ArgumentException($"{what} is a {value.OnnxValueType}, not a tensor; an imported autoencoder reads and writes float tensors.");
        if (value.ElementDataType != TensorElementType.Float)
            throw new ArgumentException(
                $"{what} holds {value.ElementDataType} values, but an imported autoencoder needs a float (Single) tensor: its rows are ML.NET vectors of Single. " +
                "Export the graph with a float input (cast inside the graph if it needs other types).");
    }

    private static string Describe(IEnumerable<KeyValuePair<string, NodeMetadata>> values) =>
        string.Join(", ", values.Select(v => $"'{v.Key}' ({(v.Value.IsTensor ? v.Value.ElementDataType.ToString() : v.Value.OnnxValueType.ToString())} [{Dims(v.Value.Dimensions)}])"));

    private static string Dims(int[] dimensions) => string.Join(", ", dimensions.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}
