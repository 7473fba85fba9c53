using System.Buffers.Binary;
using System.Globalization;

namespace Microsoft.ML.Autoencoders.Cli.Tests;

/// <summary>Small files the tests write and run the tool on.</summary>
internal static class TestData
{
    /// <summary>
    /// A CSV of <paramref name="rows"/> rows: an id, six features that lie near a 2-D plane (so a 2-wide code fits them),
    /// and a label that marks the last <paramref name="anomalies"/> rows, pushed off the plane, as anomalies.
    /// </summary>
    public static void WritePlaneCsv(string path, int rows = 240, int anomalies = 12)
    {
        var random = new Random(7);
        double[,] mixing = new double[2, 6];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 6; j++)
                mixing[i, j] = random.NextDouble() * 2 - 1;
        using var writer = new StreamWriter(path);
        writer.WriteLine("id,a,b,c,d,e,f,label");
        for (int r = 0; r < rows; r++)
        {
            bool anomaly = r >= rows - anomalies;
            double z0 = Gaussian(random), z1 = Gaussian(random);
            var values = Enumerable.Range(0, 6).Select(j => z0 * mixing[0, j] + z1 * mixing[1, j] + 0.05 * Gaussian(random) + (anomaly ? 2.5 * Gaussian(random) : 0));
            writer.WriteLine($"{r},{string.Join(",", values.Select(v => v.ToString("F5", CultureInfo.InvariantCulture)))},{(anomaly ? 1 : 0)}");
        }
    }

    /// <summary>MNIST-style IDX files: <paramref name="count"/> 8×8 images of a bright bar at one of four places, and their labels.</summary>
    public static void WriteIdx(string imagesPath, string labelsPath, int count = 64)
    {
        using (var images = new BinaryWriter(File.Create(imagesPath)))
        {
            images.Write(new byte[] { 0, 0, 0x08, 3 });
            foreach (int dimension in new[] { count, 8, 8 }) images.Write(BigEndian(dimension));
            for (int i = 0; i < count; i++)
                for (int y = 0; y < 8; y++)
                    for (int x = 0; x < 8; x++)
                        images.Write((byte)(x / 2 == i % 4 ? 255 : 0));
        }
        using var labels = new BinaryWriter(File.Create(labelsPath));
        labels.Write(new byte[] { 0, 0, 0x08, 1 });
        labels.Write(BigEndian(count));
        for (int i = 0; i < count; i++) labels.Write((byte)(i % 4));
    }

    /// <summary>Reads a CSV the tool wrote: its header and rows of fields.</summary>
    public static (string[] Header, string[][] Rows) ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        return (lines[0].Split(','), lines.Skip(1).Select(l => l.Split(',')).ToArray());
    }

    private static byte[] BigEndian(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
