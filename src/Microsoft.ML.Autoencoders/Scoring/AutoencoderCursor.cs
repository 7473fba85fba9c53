using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Scoring;

/// <summary>
/// A cursor over <see cref="AutoencoderDataView"/>: moves the input cursor, and reads every column through one
/// <see cref="AutoencoderRow"/> over it, so rows scored by a cursor and by a prediction engine share one code path.
/// </summary>
internal sealed class AutoencoderCursor : DataViewRowCursor
{
    private readonly DataViewRowCursor _input;
    private readonly AutoencoderRow _row;

    public AutoencoderCursor(AutoencoderRowMapper mapper, DataViewRowCursor input, ISet<int> active)
    {
        _input = input;
        _row = new AutoencoderRow(mapper, input, active);
    }

    public override DataViewSchema Schema => _row.Schema;

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override bool MoveNext() => _input.MoveNext();

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) => _row.IsColumnActive(column);

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _row.GetGetter<TValue>(column);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _input.Dispose();
        base.Dispose(disposing);
    }
}
