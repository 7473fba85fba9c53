using System.Buffers.Binary;
using System.IO.Compression;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// Reads MNIST images from the original gzip-compressed IDX files into row-major floats scaled to [0, 1],
/// the form every framework in the benchmark trains on (pytorch_bench.py reads the same files the same way).
/// </summary>
public static class Mnist
{
    public const string TrainImages = "train-images-idx3-ubyte.gz";
    public const string TestImages = "t10k-images-idx3-ubyte.gz";

    /// <summary>The first <paramref name="maxRows"/> images (all when null) of <paramref name="path"/>; Pixels = 784.</summary>
    public static (float[] Data, int Rows, int Pixels) ReadImages(string path, int? maxRows = null)
    {
        using var stream = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        Span<byte> header = stackalloc byte[16];
        stream.ReadExactly(header);
        // IDX header: magic 0x00000803 (unsigned byte, 3 dimensions), then count, rows, columns, big-endian.
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != 0x803) throw new InvalidDataException($"{path} is not an IDX image file (magic 0x{magic:x}).");
        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        int pixels = BinaryPrimitives.ReadInt32BigEndian(header[8..]) * BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        int rows = maxRows is int m ? Math.Min(m, count) : count;

        var bytes = new byte[(long)rows * pixels];
        stream.ReadExactly(bytes);
        var data = new float[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) data[i] = bytes[i] / 255f;
        return (data, rows, pixels);
    }

    /// <summary>
    /// The MNIST folder: <paramref name="explicitPath"/>, else $MNIST_DIR, else shared/data/mnist found by
    /// walking up from the working directory.
    /// </summary>
    public static string FindDirectory(string? explicitPath)
    {
        if (!string.IsNullOrEmpty(explicitPath)) return explicitPath;
        string? env = Environment.GetEnvironmentVariable("MNIST_DIR");
        if (!string.IsNullOrEmpty(env)) return env;
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data", "mnist");
            if (File.Exists(Path.Combine(candidate, TrainImages))) return candidate;
        }
        throw new DirectoryNotFoundException(
            $"MNIST not found: pass --mnist DIR or set MNIST_DIR to the folder holding {TrainImages} and {TestImages}.");
    }
}
