using Microsoft.ML.Autoencoders.Cli.Data;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Cli;

/// <summary>
/// Turns rows into the IDataView the library's estimators and transformers take: one known-size vector column of Single
/// named <see cref="ColumnName"/>, over a <see cref="DataSet"/> in memory or streamed from a CSV/TSV file.
/// </summary>
internal static class FeatureView
{
    public const string ColumnName = "Features";

    private sealed class Row
    {
        public float[] Features { get; set; } = [];
    }

    public static IDataView Create(MLContext mlContext, DataSet data)
    {
        var rows = Enumerable.Range(0, data.Rows).Select(r => new Row { Features = data.Row(r) }).ToArray();
        return mlContext.Data.LoadFromEnumerable(rows, Schema(data.Width));
    }

    /// <summary>
    /// A view that reads the file <paramref name="open"/> opens afresh for every cursor, a chunk of
    /// <paramref name="chunkRows"/> rows at a time: the library's streamed training
    /// (<see cref="AutoencoderOptions.StreamTrainingData"/>) makes a pass per epoch and never holds more than a chunk of
    /// the file. Every pass reads the same rows in the same order, as streaming requires; a bad row fails the pass with the
    /// reader's message, its line number and all.
    /// </summary>
    public static IDataView Stream(MLContext mlContext, int width, Func<DelimitedFileReader> open, int chunkRows) =>
        mlContext.Data.LoadFromEnumerable(Rows(open, chunkRows), Schema(width));

    // An iterator: each enumeration (each cursor the library opens) runs it from the start, opening the file again.
    private static IEnumerable<Row> Rows(Func<DelimitedFileReader> open, int chunkRows)
    {
        using var reader = open();
        for (DataSet? chunk = reader.ReadChunk(chunkRows); chunk != null; chunk = reader.ReadChunk(chunkRows))
        {
            for (int r = 0; r < chunk.Rows; r++)
                yield return new Row { Features = chunk.Row(r) };
            // The iterator keeps its locals: cleared, the chunk can go while the next is read.
            chunk = null;
        }
    }

    private static SchemaDefinition Schema(int width)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return schema;
    }
}
