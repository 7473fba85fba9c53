namespace Microsoft.ML.Autoencoders.Cli.Data;

/// <summary>
/// The rows a command reads, a chunk at a time: a CSV/TSV file is read <see cref="ChunkRows"/> rows per chunk, so
/// encoding, reconstructing or scoring a file larger than memory holds one chunk of input and output at a time. IDX files
/// and image folders are read whole and come as one chunk. Either way the columns (names, label) are known before the
/// first row is read, so a command can write its header first.
/// </summary>
internal sealed class RowSource : IDisposable
{
    /// <summary>The most rows a chunk holds unless the command line says otherwise.</summary>
    public const int DefaultChunkRows = 4096;

    /// <summary>The most values a chunk holds unless the command line says otherwise: 4M floats, 16 MB.</summary>
    public const int DefaultChunkValues = 1 << 22;

    /// <summary>
    /// Rows per chunk for rows of <paramref name="width"/> features: <see cref="DefaultChunkRows"/>, fewer for rows wider
    /// than 1,024 so that a chunk stays within <see cref="DefaultChunkValues"/> (the model's outputs for it are no larger).
    /// </summary>
    public static int DefaultChunkRowsFor(int width) => Math.Clamp(DefaultChunkValues / Math.Max(width, 1), 1, DefaultChunkRows);

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

    /// <summary>
    /// The next chunk of rows, in file order; null once they are all read. A method rather than an iterator: an iterator
    /// would still hold the chunk it last yielded while it reads the next, doubling what is held.
    /// </summary>
    public DataSet? NextChunk()
    {
        Cancellation.ThrowIfCancellationRequested();
        return Next(ChunkRows);
    }

    /// <summary>Stops the reading between chunks (Ctrl+C): a large file takes minutes, and a chunk is seconds at most.</summary>
    public CancellationToken Cancellation { get; set; }

    /// <summary>Every row (or what is left of them) in memory, for the commands that need all at once (ROC, the codes' PCA).</summary>
    public DataSet ReadAll() => Next(int.MaxValue) ?? throw new InvalidOperationException("The rows were already read.");

    /// <summary>
    /// At least the first <paramref name="rows"/> rows (fewer when the data has fewer), for the plots that draw only those:
    /// a CSV is not read past them; an IDX file or image folder, read whole, gives all its rows.
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
