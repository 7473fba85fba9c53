namespace Microsoft.ML.Autoencoders.Cli.Data;

/// <summary>
/// The rows a command reads, a chunk at a time: a CSV/TSV file is read <see cref="ChunkRows"/> rows per chunk, so
/// encoding, reconstructing or scoring a file larger than memory holds one chunk of input and output at a time. IDX files
/// and image folders are read whole and come as one chunk. Either way the columns (names, label) are known before the
/// first row is read, so a command can write its header first.
/// </summary>
internal sealed class RowSource : IDisposable
{
    /// <summary>Rows per chunk unless the command line says otherwise: 4,096 rows of 1,000 features are 16 MB of floats.</summary>
    public const int DefaultChunkRows = 4096;

    private readonly DelimitedFileReader? _file;
    private DataSet? _whole;

    private RowSource(DelimitedFileReader? file, DataSet? whole, IReadOnlyList<string> featureNames, bool labelled, int chunkRows)
    {
        _file = file;
        _whole = whole;
        FeatureNames = featureNames;
        Labelled = labelled;
        ChunkRows = chunkRows;
    }

    public IReadOnlyList<string> FeatureNames { get; }

    public int Width => FeatureNames.Count;

    /// <summary>Whether each row carries a label.</summary>
    public bool Labelled { get; }

    /// <summary>The most rows a chunk of a delimited file holds.</summary>
    public int ChunkRows { get; }

    public static RowSource Of(DelimitedFileReader file, int chunkRows) => new(file, null, file.FeatureNames, file.Labelled, chunkRows);

    public static RowSource Of(DataSet whole) => new(null, whole, whole.FeatureNames, whole.Labels != null, int.MaxValue);

    /// <summary>The rows chunk by chunk, in file order; each is read when the previous one is done with.</summary>
    public IEnumerable<DataSet> Chunks()
    {
        while (Next(ChunkRows) is { } chunk) yield return chunk;
    }

    /// <summary>Every row (or what is left of them) in memory, for the commands that need all at once (ROC, the codes' PCA).</summary>
    public DataSet ReadAll() => Next(int.MaxValue) ?? throw new InvalidOperationException("The rows were already read.");

    /// <summary>
    /// The first <paramref name="rows"/> rows (fewer when the data has fewer), for the plots that draw only those: a large
    /// file is not read past them.
    /// </summary>
    public DataSet ReadFirst(int rows) => Next(rows) ?? throw new InvalidOperationException("The rows were already read.");

    private DataSet? Next(int maxRows)
    {
        if (_file != null) return _file.ReadChunk(maxRows);
        var whole = _whole;
        _whole = null;
        return whole;
    }

    public void Dispose() => _file?.Dispose();
}
