using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Scoring;

/// <summary>A cursor over <see cref="AutoencoderDataView"/>: moves the input cursor and scores rows on demand.</summary>
internal sealed class AutoencoderCursor : DataViewRowCursor
{
    private readonly AutoencoderRowMapper _mapper;
    private readonly DataViewRowCursor _input;
    private readonly ISet<int> _active;
    private readonly RowScorer? _scorer;

    public AutoencoderCursor(AutoencoderRowMapper mapper, DataViewRowCursor input, ISet<int> active)
    {
        _mapper = mapper;
        _input = input;
        _active = active;
        _scorer = mapper.CreateScorer(input, active);
    }

    public override DataViewSchema Schema => _mapper.OutputSchema;

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override bool MoveNext() => _input.MoveNext();

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        _active.Contains(column.Index) || (!_mapper.IsOutput(column.Index) && _input.IsColumnActive(_input.Schema[column.Index]));

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
        ScoredGetters.Get<TValue>(_mapper, _input, _scorer, _active, column);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _input.Dispose();
        base.Dispose(disposing);
    }
}
