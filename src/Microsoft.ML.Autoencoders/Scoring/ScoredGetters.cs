using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Scoring;

/// <summary>The one place that hands out getters for a scored row or cursor, with ML.NET's usual checks.</summary>
internal static class ScoredGetters
{
    public static ValueGetter<TValue> Get<TValue>(AutoencoderRowMapper mapper, DataViewRow input, RowScorer? scorer, ISet<int> active, DataViewSchema.Column column)
    {
        if (column.Index < 0 || column.Index >= mapper.OutputSchema.Count)
            throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' is not in this row's schema.");
        if (!mapper.IsOutput(column.Index)) return input.GetGetter<TValue>(input.Schema[column.Index]);
        if (scorer == null || !active.Contains(column.Index))
            throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created; ask for it in the active columns.");
        var getter = mapper.OutputGetter(scorer, column.Index);
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, which cannot be read as {typeof(TValue).Name}.");
    }
}
