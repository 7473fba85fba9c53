using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>Reads whole columns of a data view and compares them with a tolerance that names the failing cell.</summary>
internal static class ColumnValues
{
    /// <summary>The visible column <paramref name="name"/> as one array per row.</summary>
    public static float[][] Vectors(IDataView data, string name) => data.GetColumn<float[]>(name).ToArray();

    /// <summary>The visible Single column <paramref name="name"/>.</summary>
    public static float[] Scalars(IDataView data, string name) => data.GetColumn<float>(name).ToArray();

    /// <summary>
    /// Equal within <paramref name="tolerance"/>, absolute plus relative: the ONNX Runtime path and the engine sum
    /// in different orders, so their floats agree to a few ulps rather than bit for bit.
    /// </summary>
    public static void AssertClose(IReadOnlyList<float[]> expected, IReadOnlyList<float[]> actual, string what, double tolerance = 1e-5)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int row = 0; row < expected.Count; row++)
        {
            Assert.True(expected[row].Length == actual[row].Length, $"{what} row {row}: {expected[row].Length} values, then {actual[row].Length}.");
            for (int j = 0; j < expected[row].Length; j++)
                AssertClose(expected[row][j], actual[row][j], $"{what} row {row}, element {j}", tolerance);
        }
    }

    public static void AssertClose(IReadOnlyList<float> expected, IReadOnlyList<float> actual, string what, double tolerance = 1e-5)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int row = 0; row < expected.Count; row++)
            AssertClose(expected[row], actual[row], $"{what} row {row}", tolerance);
    }

    public static void AssertClose(double expected, double actual, string what, double tolerance = 1e-5) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance * (1 + Math.Abs(expected)), $"{what}: expected {expected}, got {actual} (tolerance {tolerance}).");
}
