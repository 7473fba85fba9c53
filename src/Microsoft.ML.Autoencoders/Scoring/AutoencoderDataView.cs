using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Scoring;

/// <summary>
/// The result of <see cref="AutoencoderTransformer.Transform"/>: a lazy view over the input that scores each row
/// only when a cursor reaches it and asks for an output, so scoring streams without loading the input.
/// </summary>
internal sealed class AutoencoderDataView : IDataView
{
    private readonly IDataView _input;
    private readonly AutoencoderRowMapper _mapper;

    public AutoencoderDataView(IDataView input, AutoencoderRowMapper mapper)
    {
        _input = input;
        _mapper = mapper;
    }

    public bool CanShuffle => _input.CanShuffle;

    public DataViewSchema Schema => _mapper.OutputSchema;

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = columnsNeeded.Select(c => c.Index).ToHashSet();
        var inputColumns = _mapper.GetDependencies(columnsNeeded);
        return new AutoencoderCursor(_mapper, _input.GetRowCursor(inputColumns, rand), active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [GetRowCursor(columnsNeeded, rand)]; // one cursor: each keeps its own scorer, and callers accept fewer than n
}
