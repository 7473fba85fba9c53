using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Scoring;

/// <summary>
/// What the row mapper and its cursors need from a transformer: its columns, its output schema and batch scorers. The
/// engine-trained <see cref="AutoencoderTransformer"/> and the imported <see cref="OnnxAutoencoderTransformer"/> both
/// provide it, so both stream and batch through the same cursor.
/// </summary>
internal interface IAutoencoderScoring
{
    /// <summary>The column names read and written.</summary>
    AutoencoderColumns Columns { get; }

    /// <summary>The input schema plus the output columns; checks the input column.</summary>
    DataViewSchema GetOutputSchema(DataViewSchema inputSchema);

    /// <summary>
    /// A scorer for up to <paramref name="capacity"/> rows; <paramref name="needsDecoder"/> false when only codes are read,
    /// <paramref name="needsCode"/> false when no code is read.
    /// </summary>
    BatchScorer CreateBatchScorer(int capacity, bool needsDecoder, bool needsCode);
}
