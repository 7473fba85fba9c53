using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>Rows near a low-dimensional subspace, squashed into [0, 1], with a class label that the subspace determines.</summary>
internal static class SyntheticData
{
    public const int Width = 12;

    public sealed class Row
    {
        public float Label { get; set; }

        [VectorType(Width)]
        public float[] Features { get; set; } = new float[Width];
    }

    public static List<Row> Rows(int count, int seed = 1)
    {
        var random = new Random(seed);
        var basis = new float[3, Width];
        for (int k = 0; k < 3; k++)
            for (int j = 0; j < Width; j++) basis[k, j] = (float)(random.NextDouble() * 2 - 1);
        var rows = new List<Row>(count);
        for (int i = 0; i < count; i++)
        {
            int label = i % 3;
            var row = new Row { Label = label };
            for (int j = 0; j < Width; j++)
            {
                double v = 0;
                for (int k = 0; k < 3; k++) v += basis[k, j] * ((k == label ? 1.5 : 0) + random.NextDouble() - 0.5);
                v += 0.05 * (random.NextDouble() - 0.5);
                row.Features[j] = (float)(1 / (1 + Math.Exp(-v)));
            }
            rows.Add(row);
        }
        return rows;
    }

    public static IDataView DataView(MLContext mlContext, int count, int seed = 1) => mlContext.Data.LoadFromEnumerable(Rows(count, seed));
}
