using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>Reads the channel columns of a view, row by row in the view's order, as time-major values [row, channel].</summary>
internal sealed class SeriesReader : IDisposable
{
    private readonly DataViewRowCursor _cursor;
    private readonly ValueGetter<float>[] _getters;

    public SeriesReader(IDataView data, IReadOnlyList<string> channels)
    {
        var columns = channels.Select(name => data.Schema[name]).ToArray();
        _cursor = data.GetRowCursor(columns);
        _getters = columns.Select(c => _cursor.GetGetter<float>(c)).ToArray();
    }

    /// <summary>Appends the next row's channel values to <paramref name="destination"/>; false at the end of the view.</summary>
    public bool TryReadRow(List<float> destination)
    {
        if (!_cursor.MoveNext()) return false;
        float value = 0;
        foreach (var getter in _getters)
        {
            getter(ref value);
            destination.Add(value);
        }
        return true;
    }

    /// <summary>Every row of <paramref name="data"/>'s channel columns, [rows, channels].</summary>
    public static float[] ReadAll(IDataView data, IReadOnlyList<string> channels)
    {
        var values = new List<float>();
        using var reader = new SeriesReader(data, channels);
        while (reader.TryReadRow(values)) { }
        return values.ToArray();
    }

    public void Dispose() => _cursor.Dispose();
}
