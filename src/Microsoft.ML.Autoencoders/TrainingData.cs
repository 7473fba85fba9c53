using System.Numerics.Tensors;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>Reads a vector column into one dense row-major array for training, checking every value.</summary>
internal static class TrainingData
{
    /// <summary>The smallest and largest of the first <paramref name="count"/> values (the range noise is clipped to).</summary>
    public static (float Min, float Max) Range(float[] data, int count)
    {
        ReadOnlySpan<float> values = data.AsSpan(0, count);
        return (System.Numerics.Tensors.TensorPrimitives.Min(values), System.Numerics.Tensors.TensorPrimitives.Max(values));
    }

    /// <summary>The rows <paramref name="rows"/> of a row-major array of <paramref name="width"/>-value rows, in that order.</summary>
    public static float[] Gather(float[] data, IReadOnlyList<int> rows, int width)
    {
        var gathered = new float[rows.Count * width];
        for (int i = 0; i < rows.Count; i++)
            data.AsSpan(rows[i] * width, width).CopyTo(gathered.AsSpan(i * width, width));
        return gathered;
    }

    /// <summary>What the memory error suggests when nothing better applies (the caller needs the rows in memory).</summary>
    public const string FewerRows = "Train on fewer rows (e.g. mlContext.Data.TakeRows) or give the process more memory.";

    /// <summary>
    /// Every row of <paramref name="columnName"/> as one dense row-major array; a NaN or infinite value is refused with its
    /// row and element, and no rows at all are refused as <paramref name="role"/> says (<see cref="DataRole.Training"/> by default). When the
    /// array would not fit the memory left (<see cref="MemoryBudget"/>), <see cref="InsufficientMemoryException"/> says so
    /// before allocating it, with <paramref name="remedy"/>. <paramref name="cancellation"/> is looked at before every row:
    /// reading a large view can take as long as epochs of training, and a cancelled Fit must not wait for the read to end.
    /// </summary>
    public static (int Rows, float[] Data) ReadDense(IDataView data, string columnName, int width, DataRole? role = null, string remedy = FewerRows,
        CancellationToken cancellation = default)
    {
        role ??= DataRole.Training;
        var column = data.Schema[columnName];
        long? knownRows = data.GetRowCount();
        string What(long rows, bool atLeast) => $"column '{columnName}' ({(atLeast ? "at least " : "")}{rows:N0} rows of {width} floats)";
        long wanted = Math.Max(1, (knownRows ?? 1024) * width);
        if (knownRows != null)
        {
            long available = MemoryBudget.AvailableBytes();
            if (wanted * sizeof(float) > available) throw MemoryBudget.TooLarge(What(knownRows.Value, atLeast: false), wanted * sizeof(float), available, remedy);
            if (wanted > Array.MaxLength) throw new InvalidOperationException($"{What(knownRows.Value, atLeast: false)} holds more values than fit in one array. {remedy}");
        }
        float[] buffer = Allocate(Math.Min(wanted, Array.MaxLength), () => What(knownRows ?? 0, atLeast: knownRows == null), remedy);
        int rows = 0;
        using (var cursor = data.GetRowCursor([column]))
        {
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            VBuffer<float> row = default;
            while (!cancellation.IsCancellationRequested && cursor.MoveNext())
            {
                getter(ref row);
                if ((long)(rows + 1) * width > buffer.Length)
                {
                    long needed = (long)(rows + 1) * width;
                    if (needed > Array.MaxLength) throw new InvalidOperationException($"{What(rows, atLeast: true)} holds more values than fit in one array. {remedy}");
                    // Doubling, unless that would not fit while a smaller step still does: the copy then grows to what is left,
                    // so a column that fits is not refused for the doubling's sake.
                    long available = MemoryBudget.AvailableBytes();
                    long grown = Math.Min(Math.Max((long)buffer.Length * 2, needed), Array.MaxLength);
                    if (grown * sizeof(float) > available) grown = Math.Max(needed, available / sizeof(float) * 9 / 10);
                    if (grown * sizeof(float) > available) throw MemoryBudget.TooLarge(What(rows, atLeast: true), grown * sizeof(float), available, remedy);
                    var larger = Allocate(grown, () => What(rows, atLeast: true), remedy);
                    buffer.AsSpan(0, rows * width).CopyTo(larger);
                    buffer = larger;
                }
                Span<float> destination = buffer.AsSpan(rows * width, width);
                row.CopyTo(destination); // densifies sparse rows
                CheckFinite(destination, columnName, rows, role);
                rows++;
            }
        }
        cancellation.ThrowIfCancellationRequested();
        if (rows == 0) throw role.NoRows(columnName);
        return (rows, buffer);
    }

    /// <summary>
    /// Refuses a NaN or infinity in one row of <paramref name="column"/> with its row and element: training on it would
    /// spread NaN through every weight. One sum decides for the usual all-finite row.
    /// </summary>
    internal static void CheckFinite(ReadOnlySpan<float> values, string column, long row, DataRole role)
    {
        if (float.IsFinite(TensorPrimitives.Sum(values))) return;
        for (int j = 0; j < values.Length; j++)
        {
            if (!float.IsFinite(values[j]))
                throw new InvalidOperationException(
                    $"Column '{column}' row {row}, element {j} is {values[j]}: {role.Name} must be finite. " +
                    "Remove or impute such values first, e.g. mlContext.Transforms.ReplaceMissingValues or mlContext.Data.FilterRowsByMissingValues.");
        }
    }

    /// <summary>A new array of <paramref name="length"/> floats; an allocation the budget let through but the runtime refused gets the same clear error.</summary>
    private static float[] Allocate(long length, Func<string> what, string remedy)
    {
        try
        {
            return new float[length];
        }
        catch (OutOfMemoryException e)
        {
            throw MemoryBudget.Refused(what(), length * sizeof(float), remedy, e);
        }
    }
}
