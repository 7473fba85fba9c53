using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Scoring;

/// <summary>
/// An input row seen through <see cref="AutoencoderRowMapper"/>: input columns pass through, outputs are scored on
/// demand. Prediction engines use it, one row at a time (<see cref="RowScorer"/>); cursors score in batches instead (<see cref="AutoencoderCursor"/>).
/// </summary>
internal sealed class AutoencoderRow : DataViewRow
{
    private readonly AutoencoderRowMapper _mapper;
    private readonly DataViewRow _input;
    private readonly ISet<int> _active;
    private readonly RowScorer? _scorer;

    public AutoencoderRow(AutoencoderRowMapper mapper, DataViewRow input, ISet<int> active)
    {
        _mapper = mapper;
        _input = input;
        _active = active;
        _scorer = mapper.CreateScorer(input, active);
    }

    public override DataViewSchema Schema => _mapper.OutputSchema;

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        _active.Contains(column.Index) || (!_mapper.IsOutput(column.Index) && _input.IsColumnActive(_input.Schema[column.Index]));

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (column.Index < 0 || column.Index >= _mapper.OutputSchema.Count)
            throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' is not in this row's schema.");
        if (!_mapper.IsOutput(column.Index)) return _input.GetGetter<TValue>(_input.Schema[column.Index]);
        if (_scorer == null || !_active.Contains(column.Index))
            throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created; ask for it in the active columns.");
        var getter = _mapper.OutputGetter(_scorer, column.Index);
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, which cannot be read as {typeof(TValue).Name}.");
    }
}
