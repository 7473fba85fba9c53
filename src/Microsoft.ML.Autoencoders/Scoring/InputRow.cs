using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Scoring;

/// <summary>Moves one input row, dense or sparse, into the engine's dense row.</summary>
internal static class InputRow
{
    /// <summary>
    /// Copies <paramref name="row"/> of column <paramref name="columnName"/> into <paramref name="destination"/>. The schema was
    /// checked already, so a row of another length is a value that contradicts its column's type: in practice a prediction
    /// engine's input array of the wrong length, which ML.NET passes through unchecked.
    /// </summary>
    public static void CopyDense(in VBuffer<float> row, Span<float> destination, string columnName)
    {
        if (row.Length != destination.Length)
        {
            throw new InvalidOperationException(
                $"A row of column '{columnName}' has {row.Length} values, but the column's type and the autoencoder say {destination.Length}. " +
                $"With a prediction engine, give the input property's array exactly the size of its [VectorType({destination.Length})].");
        }
        row.CopyTo(destination);
    }
}
