using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Scoring;

/// <summary>
/// Maps an input row to a row with the autoencoder's outputs appended. The input columns keep their indices;
/// the outputs follow them. Used directly by prediction engines and through <see cref="AutoencoderDataView"/>.
/// </summary>
internal sealed class AutoencoderRowMapper : IRowToRowMapper
{
    private readonly IAutoencoderScoring _transformer;

    public AutoencoderRowMapper(IAutoencoderScoring transformer, DataViewSchema inputSchema)
    {
        _transformer = transformer;
        InputSchema = inputSchema;
        OutputSchema = transformer.GetOutputSchema(inputSchema); // also checks the input column
        InputColumnIndex = inputSchema[transformer.Columns.Input].Index;
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    internal int InputColumnIndex { get; }

    internal int InputColumnCount => InputSchema.Count;

    /// <summary>True when output column <paramref name="index"/> is one of ours rather than a passed-through input.</summary>
    internal bool IsOutput(int index) => index >= InputSchema.Count;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var needed = new HashSet<int>();
        foreach (var column in dependingColumns)
        {
            if (IsOutput(column.Index)) needed.Add(InputColumnIndex);
            else needed.Add(column.Index);
        }
        return needed.OrderBy(i => i).Select(i => InputSchema[i]);
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        var active = activeColumns.Select(c => c.Index).ToHashSet();
        return new AutoencoderRow(this, input, active);
    }

    /// <summary>A one-row scorer over <paramref name="input"/>, for prediction engines; null when no output is active.</summary>
    internal RowScorer? CreateScorer(DataViewRow input, ISet<int> activeOutputs)
    {
        var scorer = CreateBatchScorer(activeOutputs, capacity: 1);
        if (scorer is null) return null;
        var getter = input.GetGetter<VBuffer<float>>(InputSchema[InputColumnIndex]);
        return new RowScorer(scorer, getter, () => input.Position, InputSchema[InputColumnIndex].Name);
    }

    /// <summary>
    /// A scorer for up to <paramref name="capacity"/> rows that runs only the parts of the network the active outputs
    /// need; null when no output is active.
    /// </summary>
    internal BatchScorer? CreateBatchScorer(ISet<int> activeColumns, int capacity)
    {
        if (!activeColumns.Any(IsOutput)) return null;
        bool needsDecoder = activeColumns.Any(i => IsOutput(i) && OutputSchema[i].Name != _transformer.Columns.Encoded);
        bool needsCode = activeColumns.Any(i => IsOutput(i) && OutputSchema[i].Name == _transformer.Columns.Encoded);
        return _transformer.CreateBatchScorer(capacity, needsDecoder, needsCode);
    }

    internal Delegate OutputGetter(ScoredRow scorer, int index)
    {
        var columns = _transformer.Columns;
        string name = OutputSchema[index].Name;
        // Several outputs may share a name with an input; the output's index decides which one is meant.
        int outputOrdinal = index - InputSchema.Count;
        var outputs = columns.Outputs.ToList();
        string which = outputs[outputOrdinal];
        if (which == columns.Encoded)
            return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) => CopyToVBuffer(scorer.Code, ref value));
        if (which == columns.Reconstruction)
            return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) => CopyToVBuffer(scorer.Reconstruction, ref value));
        if (which == columns.Denoised)
            return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) => CopyToVBuffer(scorer.Reconstruction, ref value));
        if (which == columns.ReconstructionError)
            return (ValueGetter<float>)((ref float value) => value = scorer.Error);
        if (which == columns.NegativeElbo)
            return (ValueGetter<float>)((ref float value) => value = scorer.NegativeElbo);
        throw new InvalidOperationException($"Column '{name}' is not an autoencoder output.");
    }

    private static void CopyToVBuffer(ReadOnlySpan<float> source, ref VBuffer<float> value)
    {
        var editor = VBufferEditor.Create(ref value, source.Length);
        source.CopyTo(editor.Values);
        value = editor.Commit();
    }
}
