using System.Buffers.Binary;
using System.IO.Compression;

namespace Microsoft.ML.Autoencoders.Tests.Data;

/// <summary>
/// Writes small IDX files byte by byte from the format's definition, so the reader is tested against
/// files it did not produce itself.
/// </summary>
internal static class SyntheticIdx
{
    /// <summary>The bytes of an IDX images file (magic 0x00000803) holding <paramref name="pixels"/>.</summary>
    public static byte[] Images(int count, int height, int width, byte[] pixels)
    {
        Assert.Equal(count * height * width, pixels.Length);
        return [.. Header(0x00000803, count, height, width), .. pixels];
    }

    /// <summary>The bytes of an IDX labels file (magic 0x00000801) holding <paramref name="labels"/>.</summary>
    public static byte[] Labels(byte[] labels) => [.. Header(0x00000801, labels.Length), .. labels];

    /// <summary>A magic number followed by each dimension, all big-endian 32-bit integers.</summary>
    public static byte[] Header(int magic, params int[] dimensions)
    {
        var header = new byte[4 * (1 + dimensions.Length)];
        BinaryPrimitives.WriteInt32BigEndian(header, magic);
        for (int d = 0; d < dimensions.Length; d++)
        {
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 * (d + 1)), dimensions[d]);
        }

        return header;
    }

    /// <summary>Gzip-compresses <paramref name="bytes"/>, as the original MNIST downloads are.</summary>
    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    /// <summary>
    /// Pixels where every byte value 0–255 appears and neighbouring images differ, so a reader that mixes
    /// up images or scales wrongly is caught.
    /// </summary>
    public static byte[] PatternPixels(int count, int pixelsPerImage)
    {
        var pixels = new byte[count * pixelsPerImage];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)((i * 7 + i / pixelsPerImage) % 256);
        }

        return pixels;
    }

    /// <summary>
    /// Writes a folder with the four MNIST file names holding small 28×28 splits, gzip-compressed or raw.
    /// Label of image <c>i</c> is <c>i % 10</c>.
    /// </summary>
    public static void WriteMnistFolder(string folder, int trainCount, int testCount, bool gzip)
    {
        Directory.CreateDirectory(folder);
        WriteSplit(folder, "train", trainCount, gzip);
        WriteSplit(folder, "t10k", testCount, gzip);
    }

    private static void WriteSplit(string folder, string prefix, int count, bool gzip)
    {
        byte[] images = Images(count, 28, 28, PatternPixels(count, 28 * 28));
        byte[] labels = Labels([.. Enumerable.Range(0, count).Select(i => (byte)(i % 10))]);
        string suffix = gzip ? ".gz" : "";
        File.WriteAllBytes(Path.Combine(folder, $"{prefix}-images-idx3-ubyte{suffix}"), gzip ? Gzip(images) : images);
        File.WriteAllBytes(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte{suffix}"), gzip ? Gzip(labels) : labels);
    }
}
