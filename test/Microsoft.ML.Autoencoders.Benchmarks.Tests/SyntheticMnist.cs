using System.Buffers.Binary;
using System.IO.Compression;

namespace Microsoft.ML.Autoencoders.Benchmarks.Tests;

/// <summary>
/// A temporary folder holding MNIST-shaped IDX image files of random pixels, so the dry-run tests need no
/// downloaded data and also exercise the IDX reader.
/// </summary>
public sealed class SyntheticMnist : IDisposable
{
    public SyntheticMnist(int trainRows, int testRows)
    {
        Directory = Path.Combine(Path.GetTempPath(), "ae-bench-mnist-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        var random = new Random(7);
        Write(Path.Combine(Directory, Mnist.TrainImages), trainRows, random);
        Write(Path.Combine(Directory, Mnist.TestImages), testRows, random);
    }

    public string Directory { get; }

    /// <summary>Writes <paramref name="rows"/> 28×28 images; pixel i of image r is returned by <see cref="Pixel"/>.</summary>
    public static void Write(string path, int rows, Random random)
    {
        using var stream = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        Span<byte> header = stackalloc byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], rows);
        BinaryPrimitives.WriteInt32BigEndian(header[8..], 28);
        BinaryPrimitives.WriteInt32BigEndian(header[12..], 28);
        stream.Write(header);
        var pixels = new byte[rows * 784];
        random.NextBytes(pixels);
        stream.Write(pixels);
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
