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

    /// <summary>
    /// Every row of <paramref name="columnName"/> as one dense row-major array; a NaN or infinite value is refused with its
    /// row and element. <paramref name="role"/> names the data in that message ("training data", "calibration data").
    /// </summary>
    public static (int Rows, float[] Data) ReadDense(IDataView data, string columnName, int width, string role = "training data")
    {
        var column = data.Schema[columnName];
        long? knownRows = data.GetRowCount();
        float[] buffer = new float[checked((int)Math.Max(1, (knownRows ?? 1024) * width))];
        int rows = 0;
        using (var cursor = data.GetRowCursor([column]))
        {
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            VBuffer<float> row = default;
            while (cursor.MoveNext())
            {
                getter(ref row);
                if ((long)(rows + 1) * width > buffer.Length)
                {
                    long grown = Math.Max((long)buffer.Length * 2, (long)(rows + 1) * width);
                    if (grown > Array.MaxLength) throw new InvalidOperationException($"Column '{columnName}' holds more rows than fit in one array ({rows} rows of {width}).");
                    Array.Resize(ref buffer, (int)grown);
                }
                Span<float> destination = buffer.AsSpan(rows * width, width);
                row.CopyTo(destination); // densifies sparse rows
                for (int j = 0; j < width; j++)
                {
                    if (!float.IsFinite(destination[j]))
                        throw new InvalidOperationException(
                            $"Column '{columnName}' row {rows}, element {j} is {destination[j]}: {role} must be finite. " +
                            "Remove or impute such values first, e.g. mlContext.Transforms.ReplaceMissingValues or mlContext.Data.FilterRowsByMissingValues.");
                }
                rows++;
            }
        }
        if (rows == 0)
            throw new InvalidOperationException($"The {role} has no rows, so column '{columnName}' gives the autoencoder nothing to learn from.");
        return (rows, buffer);
    }
}
