using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// Windows of <see cref="Steps"/> steps of <see cref="Channels"/> channels in one vector column, step after step: sines of
/// random phase and a period of 8 steps, the second channel a quarter period behind the first, with a little noise. The
/// sequence network tests train on them.
/// </summary>
internal static class SineWindows
{
    public const int Steps = 16, Channels = 2;

    /// <summary>A row of the column <c>Window</c>.</summary>
    public sealed class Row
    {
        [VectorType(Steps * Channels)]
        public float[] Window { get; set; } = [];
    }

    public static List<Row> Make(int count, int seed = 3)
    {
        var random = new Random(seed);
        var rows = new List<Row>();
        for (int i = 0; i < count; i++)
        {
            double phase = random.NextDouble() * 2 * Math.PI;
            var values = new float[Steps * Channels];
            for (int t = 0; t < Steps; t++)
                for (int c = 0; c < Channels; c++)
                    values[t * Channels + c] = (float)(Math.Sin(2 * Math.PI * t / 8 + phase + c * Math.PI / 2) + 0.05 * (random.NextDouble() - 0.5));
            rows.Add(new Row { Window = values });
        }
        return rows;
    }
}
