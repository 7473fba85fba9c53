using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// Normal rows lie near a 3-dimensional subspace of R^16; anomalies leave it (isotropic noise six times larger), so a
/// 3-unit code reconstructs normal rows well and anomalies badly, yet the two overlap enough that AUC is not 1.
/// </summary>
internal static class AnomalyData
{
    public const int Width = 16;
    private const int Rank = 3;

    public sealed class Row
    {
        /// <summary>1 = anomaly, 0 = normal: the label type ML.NET's anomaly evaluator takes.</summary>
        public float Label { get; set; }

        [VectorType(Width)]
        public float[] Features { get; set; } = new float[Width];
    }

    public sealed class BooleanLabelRow
    {
        public bool Label { get; set; }

        [VectorType(Width)]
        public float[] Features { get; set; } = new float[Width];
    }

    public static List<Row> Rows(int normal, int anomalies, int seed)
    {
        var basis = new Random(7); // one subspace for every call: training and test data share it
        var b = new double[Rank, Width];
        for (int k = 0; k < Rank; k++)
            for (int j = 0; j < Width; j++) b[k, j] = basis.NextDouble() * 2 - 1;
        var random = new Random(seed);
        var rows = new List<Row>();
        for (int i = 0; i < normal + anomalies; i++)
        {
            bool anomaly = i >= normal;
            var row = new Row { Label = anomaly ? 1 : 0 };
            double noise = anomaly ? 0.3 : 0.05;
            var z = new double[Rank];
            for (int k = 0; k < Rank; k++) z[k] = random.NextDouble() * 2 - 1;
            for (int j = 0; j < Width; j++)
            {
                double v = 0;
                for (int k = 0; k < Rank; k++) v += b[k, j] * z[k];
                row.Features[j] = (float)(v + noise * (random.NextDouble() * 2 - 1) * Math.Sqrt(3));
            }
            rows.Add(row);
        }
        return rows;
    }

    public static IDataView Train(MLContext mlContext, int rows = 600) => mlContext.Data.LoadFromEnumerable(Rows(rows, 0, seed: 1));

    /// <summary>300 normal rows then 60 anomalies.</summary>
    public static IDataView Test(MLContext mlContext) => mlContext.Data.LoadFromEnumerable(Rows(300, 60, seed: 2));

    /// <summary>Small, fast settings that still separate the classes.</summary>
    public static AutoencoderOptions Network() => new()
    {
        HiddenLayerSizes = [12],
        CodeSize = Rank,
        Epochs = 60,
        BatchSize = 32,
        LearningRate = 3e-3f,
        NumberOfThreads = 1,
        Seed = 3,
    };

    /// <summary>The area under the ROC curve by its definition: P(anomaly scores above normal), ties counting half.</summary>
    public static double Auc(IReadOnlyList<float> scores, IReadOnlyList<float> labels)
    {
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < scores.Count; i++)
        {
            if (labels[i] != 1) continue;
            for (int j = 0; j < scores.Count; j++)
            {
                if (labels[j] != 0) continue;
                pairs++;
                if (scores[i] > scores[j]) wins += 1;
                else if (scores[i] == scores[j]) wins += 0.5;
            }
        }
        return wins / pairs;
    }
}
