using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Which tensors of a foreign ONNX graph play which part, and the shapes that follow: the graph's one float input, its
/// reconstruction output (the input's shape again) and optionally its code output, each per row; and whether the graph
/// takes a batch of rows in one run (a free leading dimension) or one row per run.
/// </summary>
/// <remarks>
/// Checked against the session's own metadata first, so a wrong name or type is reported with the names and types the
/// graph has; then the graph is run once on zeros (one row, and two when it may batch), because declared output shapes
/// are often symbolic or missing, and only a run tells the real per-row sizes.
/// </remarks>
internal sealed record OnnxGraphBinding(
    string InputName, string ReconstructionName, string? CodeName,
    int[] RowShape, bool HasBatchAxis, bool AcceptsBatches, int CodeSize)
{
    /// <summary>The reconstruction's tensor shape for one row, as a run gave it.</summary>
    public long[] ReconstructionShapeOfOneRow { get; init; } = [];

    /// <summary>The code's tensor shape for one row, as a run gave it; null without a code output.</summary>
    public long[]? CodeShapeOfOneRow { get; init; }

    /// <summary>Values per input row (and per reconstruction row).</summary>
    public int InputSize => RowShape.Aggregate(1, (a, b) => a * b);

    /// <summary>The tensor shape that carries <paramref name="rows"/> rows into the graph.</summary>
    public long[] InputTensorShape(int rows) =>
        HasBatchAxis ? [rows, .. RowShape.Select(d => (long)d)] : [.. RowShape.Select(d => (long)d)];

    /// <summary>
    /// Checks that column <paramref name="column"/>, of <paramref name="size"/> values per row, fits the graph's input, with
    /// a message about the graph rather than about training; a fixed leading axis other than 1 that the column's size
    /// divides (a dummy batch exported without dynamic_axes) is named as such, with the re-export that fixes it.
    /// </summary>
    public void CheckColumnSize(string column, int size)
    {
        if (size == InputSize) return;
        string message = $"Column '{column}' has {size} values per row but graph input '{InputName}' takes {InputSize} per row " +
            $"(tensor shape [{string.Join(", ", InputTensorShape(1))}]).";
        if (!HasBatchAxis && RowShape.Length >= 2 && RowShape[0] > 1 && size * RowShape[0] == InputSize)
            message += $" Its leading {RowShape[0]} looks like the fixed batch of the dummy input torch.onnx.export was given: export the graph " +
                $"again with a free batch axis (dynamic_axes={{\"{InputName}\": {{0: \"batch\"}}, ...}} for the input and each output) or with a dummy " +
                "of one row. AutoencoderModel.ImportOnnx reads that leading axis as the batch and can take the file as it is.";
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

        var (shape, batchAxis) = RowShapeOf(inputName, input.Dimensions, rowShape);
        var probe = new OnnxGraphBinding(inputName, reconstructionName, codeName, shape, batchAxis, AcceptsBatches: false, CodeSize: 0);
        var (reconstructionShape, codeShape) = probe.RunOnZeros(session, rows: 1);
        int reconstructionSize = PerRow(reconstructionShape, batchAxis, 1);
        if (reconstructionSize != probe.InputSize)
            throw new ArgumentException(
                $"Output '{reconstructionName}' gives {reconstructionSize} values per row (shape [{string.Join(", ", reconstructionShape)}]) but input '{inputName}' takes " +
                $"{probe.InputSize} ([{string.Join(", ", probe.InputTensorShape(1))}]): a reconstruction has the input's shape. The graph's outputs: {Describe(outputs)}.");
        int codeSize = codeShape is null ? 0 : PerRow(codeShape, batchAxis, 1);
        bool acceptsBatches = batchAxis && input.Dimensions[0] < 0 && probe.TakesTwoRows(session);
        return probe with { AcceptsBatches = acceptsBatches, CodeSize = codeSize, ReconstructionShapeOfOneRow = reconstructionShape, CodeShapeOfOneRow = codeShape };
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
        // [N, ...] or [1, ...] lead with a batch axis; a rank-1 input is one row per run.
        bool batchAxis = dimensions.Length >= 2 && (dimensions[0] < 0 || dimensions[0] == 1);
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
