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
/// shapes are often symbolic or missing, and only a run tells the real per-row sizes. A fixed leading size B &gt; 1 reads
/// two ways, the whole tensor as one row (what this library always did) or B as the batch; where a column is known its
/// width decides (<see cref="ReadingForWidth"/>). Without one, B is the batch only when runs show that the graph scores its B
/// slices apart (<see cref="ProbeSlices"/>): a time axis or per-slot weights look the same from the shape, and reading
/// them as rows would score silently wrong.
/// </remarks>
internal sealed record OnnxGraphBinding(
    string InputName, string ReconstructionName, string? CodeName,
    int[] RowShape, bool HasBatchAxis, bool AcceptsBatches, int CodeSize)
{
    /// <summary>
    /// The rows of the smallest run: B for a fixed batch [B, ...] read as the batch, which every run takes; 1 otherwise
    /// ([1, ...], an input without a batch axis, the whole tensor read as one row, or a graph that takes any number).
    /// </summary>
    public int FixedBatchSize { get; init; } = 1;

    /// <summary>The reconstruction's tensor shape for a run of <see cref="FixedBatchSize"/> rows, as a run gave it.</summary>
    public long[] ReconstructionShapeOfOneRun { get; init; } = [];

    /// <summary>The code's tensor shape for a run of <see cref="FixedBatchSize"/> rows, as a run gave it; null without a code output.</summary>
    public long[]? CodeShapeOfOneRun { get; init; }

    /// <summary>The input's shape as the graph declares it (-1 for an open dimension).</summary>
    public int[] DeclaredShape { get; init; } = [];

    /// <summary>Whether the per-row shape was given (InputShape) rather than read from the graph and, for a fixed batch, the probe.</summary>
    public bool ShapeGiven { get; init; }

    /// <summary>What runs showed of a fixed leading B &gt; 1 when no shape was given; <see cref="SliceProbe.NotRun"/> otherwise.</summary>
    public SliceProbe Probe { get; init; }

    /// <summary>What the runs on a fixed leading axis B &gt; 1 showed of its B slices.</summary>
    public enum SliceProbe
    {
        /// <summary>No probe: the leading axis is free or 1, or InputShape decided.</summary>
        NotRun,
        /// <summary>Every slice's outputs follow that slice alone, alike in every slot: the slices are rows of a batch.</summary>
        ScoredApart,
        /// <summary>The same input, run twice, gave different outputs: nothing about the slices can be told.</summary>
        NotDeterministic,
        /// <summary>A slice's outputs changed when only the other slices did (a time axis, a mean over the axis).</summary>
        SlicesMix,
        /// <summary>No mixing seen, but the same values gave other outputs in another slot (weights per slot, a time axis that only looks back).</summary>
        SlotsDiffer,
        /// <summary>ONNX Runtime could not run the graph on the probe's values.</summary>
        CouldNotRun,
    }

    /// <summary>
    /// For an input [B, ...] with a fixed B &gt; 1, which reads either way, the whole tensor's shape (B first), however it
    /// is read here; null for any other input.
    /// </summary>
    private int[]? FixedBatchTensorShape =>
        HasBatchAxis ? (FixedBatchSize > 1 ? [FixedBatchSize, .. RowShape] : null)
        : RowShape.Length >= 2 && DeclaredShape.Length == RowShape.Length && DeclaredShape[0] > 1 ? RowShape : null;

    /// <summary>Values per input row (and per reconstruction row).</summary>
    public int InputSize => RowShape.Aggregate(1, (a, b) => a * b);

    /// <summary>The tensor shape that carries <paramref name="rows"/> rows into the graph.</summary>
    public long[] InputTensorShape(int rows) =>
        HasBatchAxis ? [rows, .. RowShape.Select(d => (long)d)] : [.. RowShape.Select(d => (long)d)];

    /// <summary>
    /// The binding for an input column of <paramref name="size"/> values per row: for a fixed leading B &gt; 1 read as the
    /// batch without InputShape, the whole tensor as one row when the column holds all of it (how the library read such an
    /// input before it read B as a batch); this one otherwise, to be checked with <see cref="CheckColumnSize"/>.
    /// </summary>
    public OnnxGraphBinding ReadingForWidth(int size) =>
        size != InputSize && !ShapeGiven && FixedBatchSize > 1 && size == FixedBatchSize * InputSize ? WholeTensorAsOneRow() : this;

    /// <summary>
    /// The same graph with its fixed batch [B, ...] read as one row of the whole tensor: the run of B rows is the run of
    /// that one row, so the shapes it gave carry over.
    /// </summary>
    private OnnxGraphBinding WholeTensorAsOneRow() =>
        this with { RowShape = [FixedBatchSize, .. RowShape], HasBatchAxis = false, FixedBatchSize = 1, CodeSize = CodeSize * FixedBatchSize };

    /// <summary>
    /// Checks that column <paramref name="column"/>, of <paramref name="size"/> values per row, fits the graph's input, with
    /// a message about the graph rather than about training; for a fixed leading B &gt; 1 the message names both ways the
    /// input reads and why this one was taken (InputShape, the column it was fitted on, or what the probe's runs showed).
    /// </summary>
    public void CheckColumnSize(string column, int size)
    {
        if (size == InputSize) return;
        string message = $"Column '{column}' has {size} values per row but graph input '{InputName}' takes {InputSize} per row " +
            $"(tensor shape [{string.Join(", ", InputTensorShape(FixedBatchSize))}]{(FixedBatchSize > 1 ? $", run {FixedBatchSize} rows at a time" : "")}).";
        if (FixedBatchTensorShape is not { } tensor)
            throw new ArgumentOutOfRangeException("inputSchema", message + " Score data prepared the way the graph's inputs were.");
        int batch = tensor[0], whole = tensor.Aggregate(1, (a, b) => a * b), slice = whole / batch;
        string wholeShape = $"[{string.Join(", ", tensor)}]", sliceShape = $"[{string.Join(", ", tensor[1..])}]";
        if (size != whole && size != slice)
        {
            message += $" Input {wholeShape} reads two ways: the whole tensor as one row of {whole} values, or its leading {batch} as the batch, rows of " +
                $"{slice} values run {batch} at a time; the column fits neither. Score data prepared the way the graph's inputs were; " +
                $"InputShape = {wholeShape} reads the whole tensor as one row, InputShape = {sliceShape} reads {batch} as the batch.";
        }
        else if (size == whole)
        {
            message += ShapeGiven
                ? $" InputShape = {sliceShape} reads the leading {batch} as the batch, rows of {slice} values; to score the whole tensor as one row of {whole}, " +
                  $"give InputShape = {wholeShape} or leave InputShape out (a column of {whole} values then reads so)."
                : $" The scorer was fitted on a column of {slice} values, which reads the leading {batch} as the batch; a column of {whole} values reads the " +
                  "whole tensor as one row: fit on that column.";
        }
        else if (ShapeGiven)
        {
            message += $" InputShape = {wholeShape} reads the whole tensor as one row of {whole} values; to read the leading {batch} as the batch, rows of " +
                $"{slice} values, give InputShape = {sliceShape} instead.";
        }
        else
        {
            string ifFooled = $"If the probe was fooled and {batch} is the batch all the same, InputShape = {sliceShape} reads it so";
            message += $" A column of {slice} values reads the leading {batch} as the batch only when runs of the graph at load show that it scores the " +
                $"slices apart, which these did not, so one row holds all {whole} values: " + Probe switch
                {
                    SliceProbe.NotDeterministic =>
                        "the graph is not deterministic (the same rows, run twice, gave different outputs: sampling inside the graph, such as RandomNormalLike, " +
                        "or Dropout exported in training mode), so its slices could not be compared, and its scores would change from run to run. Export it " +
                        $"in inference mode (model.eval(), the mean instead of a sample); if it is meant to sample, InputShape = {sliceShape} reads {batch} as " +
                        "the batch without the probe, and every score is then one random draw.",
                    SliceProbe.SlicesMix =>
                        $"a slice's outputs changed when only the other slices did, as along a time axis or with a mean over the axis. {ifFooled}, " +
                        $"but then a row's score depends on the other rows of its group of {batch} (and on the zero rows that fill the last group).",
                    SliceProbe.SlotsDiffer =>
                        $"the same values gave other outputs in another slot, as with weights per slot or a time axis that only looks back. {ifFooled}, " +
                        $"but then a row's score depends on its slot in its group of {batch}, that is, on how many rows came before it.",
                    _ =>
                        $"ONNX Runtime could not run the graph on the probe's rows. {ifFooled}.",
                };
        }
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
        var verdict = SliceProbe.NotRun;
        if (!batchAxis && rowShape is null && dimensions.Length >= 2 && dimensions[0] > 1)
        {
            // A fixed leading B > 1, as torch.onnx.export writes for a dummy batch of B rows without dynamic_axes: a batch
            // if the graph scores its slices apart, else part of one row (the whole tensor).
            var asBatch = new OnnxGraphBinding(inputName, reconstructionName, codeName, dimensions[1..], HasBatchAxis: true, AcceptsBatches: false, CodeSize: 0)
            {
                FixedBatchSize = dimensions[0],
            };
            verdict = asBatch.ProbeSlices(session);
            if (verdict == SliceProbe.ScoredApart) (shape, batchAxis) = (asBatch.RowShape, true);
        }
        int runRows = batchAxis && dimensions[0] > 1 ? dimensions[0] : 1;
        var probe = new OnnxGraphBinding(inputName, reconstructionName, codeName, shape, batchAxis, AcceptsBatches: false, CodeSize: 0) { FixedBatchSize = runRows };
        var (reconstructionShape, codeShape) = probe.RunOnZeros(session, runRows);
        int reconstructionSize = PerRow(reconstructionShape, batchAxis, runRows);
        if (reconstructionSize != probe.InputSize)
            throw new ArgumentException(
                $"Output '{reconstructionName}' gives {reconstructionSize} values per row (shape [{string.Join(", ", reconstructionShape)}]) but input '{inputName}' takes " +
                $"{probe.InputSize} ([{string.Join(", ", probe.InputTensorShape(runRows))}]): a reconstruction has the input's shape. The graph's outputs: {Describe(outputs)}.");
        int codeSize = codeShape is null ? 0 : PerRow(codeShape, batchAxis, runRows);
        bool acceptsBatches = batchAxis && dimensions[0] < 0 && probe.TakesTwoRows(session);
        return probe with
        {
            AcceptsBatches = acceptsBatches, CodeSize = codeSize, ReconstructionShapeOfOneRun = reconstructionShape, CodeShapeOfOneRun = codeShape,
            DeclaredShape = dimensions, ShapeGiven = rowShape is not null, Probe = verdict,
        };
    }

    /// <summary>
    /// What the graph does with the <see cref="FixedBatchSize"/> slices of its input, from four runs: distinct rows twice
    /// (a graph that samples cannot be compared with itself), the same rows in reverse order, and copies of the last row.
    /// The last slot holds the same values in the first and last runs, so its outputs changing there means the slices mix
    /// (a time axis, a mean over the axis, even one that only looks back); otherwise every slice's outputs must move with
    /// their rows and copies must give copies, else the graph weighs its slots apart.
    /// </summary>
    private SliceProbe ProbeSlices(InferenceSession session)
    {
        int rows = FixedBatchSize, size = InputSize;
        var random = new Random(17);
        var distinct = new float[rows * size];
        for (int i = 0; i < distinct.Length; i++) distinct[i] = (float)random.NextDouble();
        var reversed = new float[distinct.Length];
        var copies = new float[distinct.Length];
        var last = distinct.AsSpan((rows - 1) * size, size);
        for (int r = 0; r < rows; r++)
        {
            distinct.AsSpan((rows - 1 - r) * size, size).CopyTo(reversed.AsSpan(r * size));
            last.CopyTo(copies.AsSpan(r * size));
        }
        float[][] fromDistinct, again, fromReversed, fromCopies;
        try
        {
            fromDistinct = Outputs(session, distinct);
            again = Outputs(session, distinct);
            fromReversed = Outputs(session, reversed);
            fromCopies = Outputs(session, copies);
        }
        catch (OnnxRuntimeException)
        {
            return SliceProbe.CouldNotRun; // read as one row, the graph is run on zeros next and reports its own error
        }
        for (int o = 0; o < fromDistinct.Length; o++)
            if (!Close(again[o], fromDistinct[o])) return SliceProbe.NotDeterministic;
        for (int o = 0; o < fromDistinct.Length; o++)
        {
            if (fromDistinct[o].Length % rows != 0 || fromReversed[o].Length != fromDistinct[o].Length || fromCopies[o].Length != fromDistinct[o].Length)
                return SliceProbe.SlicesMix; // an output that is not one slice per row draws on them all
            int perRow = fromDistinct[o].Length / rows;
            if (!Close(fromCopies[o].AsSpan((rows - 1) * perRow, perRow), fromDistinct[o].AsSpan((rows - 1) * perRow, perRow))) return SliceProbe.SlicesMix;
        }
        for (int o = 0; o < fromDistinct.Length; o++)
        {
            int perRow = fromDistinct[o].Length / rows;
            var ofLast = fromDistinct[o].AsSpan((rows - 1) * perRow, perRow);
            for (int r = 0; r < rows; r++)
            {
                if (!Close(fromReversed[o].AsSpan((rows - 1 - r) * perRow, perRow), fromDistinct[o].AsSpan(r * perRow, perRow))) return SliceProbe.SlotsDiffer;
                if (!Close(fromCopies[o].AsSpan(r * perRow, perRow), ofLast)) return SliceProbe.SlotsDiffer;
            }
        }
        return SliceProbe.ScoredApart;

        static bool Close(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        {
            if (a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++)
                if (!(Math.Abs(a[i] - b[i]) <= 1e-4f * (1 + Math.Abs(b[i])))) return false;
            return true;
        }
    }

    /// <summary>The reconstruction's (and the code's) values for one run on <paramref name="input"/> ([FixedBatchSize, row shape]).</summary>
    private float[][] Outputs(InferenceSession session, float[] input) =>
        Run(session, input, FixedBatchSize, results => results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()).ToArray());

    /// <summary>
    /// One run on <paramref name="rows"/> rows of <paramref name="input"/>, asking for the reconstruction and the code, if
    /// any; <paramref name="read"/> reads the outputs while they (and the pinned input) are alive.
    /// </summary>
    private T Run<T>(InferenceSession session, float[] input, int rows, Func<IReadOnlyList<OrtValue>, T> read)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, InputTensorShape(rows));
        string[] names = CodeName is null ? [ReconstructionName] : [ReconstructionName, CodeName];
        using var options = new RunOptions();
        using var results = session.Run(options, [InputName], [value], names);
        return read(results);
    }

    /// <summary>Runs the graph on <paramref name="rows"/> rows of zeros and returns the shapes it gave.</summary>
    private (long[] Reconstruction, long[]? Code) RunOnZeros(InferenceSession session, int rows)
    {
        try
        {
            return Run(session, new float[rows * InputSize], rows,
                results => (results[0].GetTensorTypeAndShape().Shape, CodeName is null ? null : results[1].GetTensorTypeAndShape().Shape));
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
                $"Input '{name}' has shape [{Dims(dimensions)}]: its per-row size is not fixed. Give the per-row shape with InputShape (e.g. [784] or [1, 28, 28])." +
                // ONNX Runtime here batches along the first axis only; a batch second is one window per run.
                (dimensions is [> 0, < 0, > 0] ? $" Its open axis is the second, as for windows [T, N, F] read by an nn.LSTM or nn.GRU with batch_first=False: " +
                    $"InputShape = [{dimensions[0]}, 1, {dimensions[2]}] scores one window per run, or AutoencoderModel.ImportOnnx reads it into the engine, " +
                    "which scores windows in batches." : ""));
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
