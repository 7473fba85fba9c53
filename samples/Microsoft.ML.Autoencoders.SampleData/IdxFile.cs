using System.Buffers.Binary;
using System.IO.Compression;

namespace Microsoft.ML.Autoencoders.Data;

/// <summary>
/// Reads the IDX files that MNIST (and Fashion-MNIST, EMNIST, ...) are distributed in, either raw or
/// gzip-compressed.
/// </summary>
/// <remarks>
/// Layout of an IDX file (all integers big-endian):
/// <code>
/// offset  size  meaning
/// 0       2     zero
/// 2       1     element type: 0x08 = unsigned byte (the only type read here)
/// 3       1     number of dimensions d
/// 4       4*d   size of each dimension, outermost first
/// 4+4*d   ...   the elements, row-major
/// </code>
/// So images are magic 0x00000803 with dimensions (count, rows, columns) and labels are magic
/// 0x00000801 with dimension (count). A gzip-compressed file is recognised by its own first two bytes
/// (0x1f 0x8b), not by its name, so a renamed file still reads.
/// </remarks>
public static class IdxFile
{
    /// <summary>Magic number of an IDX file of unsigned-byte images: type 0x08, three dimensions.</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of unsigned-byte labels: type 0x08, one dimension.</summary>
    public const int LabelsMagic = 0x00000801;

    // Pixels are converted from bytes to floats a chunk at a time so that a 47 MB file never needs a
    // second full-size byte buffer next to its float array.
    private const int ChunkBytes = 1 << 16;

    /// <summary>Reads an IDX file of images into floats scaled to [0, 1] (each byte divided by 255).</summary>
    /// <param name="path">A raw or gzip-compressed IDX file with magic 0x00000803.</param>
    /// <param name="maxRows">Read at most this many images from the start of the file; null reads all.</param>
    /// <returns>The images, flattened row-major.</returns>
    /// <exception cref="InvalidDataException">
    /// The file is not an IDX image file, or it ends before the number of images its header promises.
    /// </exception>
    public static IdxImages ReadImages(string path, int? maxRows = null)
    {
        CheckMaxRows(maxRows);
        using Stream stream = OpenDecompressed(path);
        int[] dimensions = ReadHeader(stream, path, ImagesMagic, "images");
        int count = LimitRows(dimensions[0], maxRows);
        int height = dimensions[1];
        int width = dimensions[2];
        if (height <= 0 || width <= 0)
        {
            throw new InvalidDataException(
                $"'{path}' declares images of {height}×{width} pixels; both sizes must be positive.");
        }

        long total = (long)count * height * width;
        if (total > Array.MaxLength)
        {
            throw new InvalidDataException(
                $"'{path}' declares {count} images of {height}×{width} pixels, more than one array can hold; " +
                "pass maxRows to read fewer.");
        }

        var pixels = new float[total];
        var chunk = new byte[(int)Math.Min(ChunkBytes, Math.Max(total, 1))];
        long done = 0;
        while (done < total)
        {
            int want = (int)Math.Min(chunk.Length, total - done);
            int got = ReadFully(stream, path, chunk.AsSpan(0, want));
            if (got < want)
            {
                throw Truncated(path, $"{count} images of {height}×{width} pixels", total, done + got);
            }

            Span<float> destination = pixels.AsSpan((int)done, want);
            for (int i = 0; i < want; i++)
            {
                destination[i] = chunk[i] / 255f;
            }

            done += want;
        }

        return new IdxImages(count, height, width, pixels);
    }

    /// <summary>Reads an IDX file of byte labels.</summary>
    /// <param name="path">A raw or gzip-compressed IDX file with magic 0x00000801.</param>
    /// <param name="maxRows">Read at most this many labels from the start of the file; null reads all.</param>
    /// <returns>One byte per label (for MNIST the digit 0–9).</returns>
    /// <exception cref="InvalidDataException">
    /// The file is not an IDX label file, or it ends before the number of labels its header promises.
    /// </exception>
    public static byte[] ReadLabels(string path, int? maxRows = null)
    {
        CheckMaxRows(maxRows);
        using Stream stream = OpenDecompressed(path);
        int[] dimensions = ReadHeader(stream, path, LabelsMagic, "labels");
        int count = LimitRows(dimensions[0], maxRows);
        var labels = new byte[count];
        int got = ReadFully(stream, path, labels);
        if (got < count)
        {
            throw Truncated(path, $"{count} labels", count, got);
        }

        return labels;
    }

    /// <summary>
    /// Opens <paramref name="path"/> and, when it starts with the gzip magic 0x1f 0x8b, wraps it in a
    /// decompressor, so callers read IDX bytes either way.
    /// </summary>
    private static Stream OpenDecompressed(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            int got = file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
            file.Position = 0;
            if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            {
                return new GZipStream(file, CompressionMode.Decompress, leaveOpen: false);
            }

            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads the magic number and dimensions, checking the magic is <paramref name="expectedMagic"/>.</summary>
    private static int[] ReadHeader(Stream stream, string path, int expectedMagic, string kind)
    {
        Span<byte> word = stackalloc byte[4];
        int got = ReadFully(stream, path, word);
        if (got < word.Length)
        {
            throw new InvalidDataException(
                $"'{path}' is truncated: an IDX file starts with a 4-byte magic number, but the file has only {got} byte(s).");
        }

        int magic = BinaryPrimitives.ReadInt32BigEndian(word);
        if (magic != expectedMagic)
        {
            string otherKind = magic switch
            {
                ImagesMagic => " It is an IDX images file; read it with ReadImages.",
                LabelsMagic => " It is an IDX labels file; read it with ReadLabels.",
                _ => "",
            };
            throw new InvalidDataException(
                $"'{path}' is not an IDX {kind} file: its magic number is 0x{magic:X8}, expected 0x{expectedMagic:X8}.{otherKind}");
        }

        int dimensionCount = expectedMagic & 0xFF;
        var dimensions = new int[dimensionCount];
        for (int d = 0; d < dimensionCount; d++)
        {
            got = ReadFully(stream, path, word);
            if (got < word.Length)
            {
                throw new InvalidDataException(
                    $"'{path}' is truncated inside its header: it ends before dimension {d + 1} of {dimensionCount}.");
            }

            dimensions[d] = BinaryPrimitives.ReadInt32BigEndian(word);
            if (dimensions[d] < 0)
            {
                throw new InvalidDataException(
                    $"'{path}' declares a negative size ({dimensions[d]}) for dimension {d + 1}; the header is corrupt.");
            }
        }

        return dimensions;
    }

    /// <summary>
    /// Fills as much of <paramref name="buffer"/> as the stream still holds and returns how much that was;
    /// turns a corrupt gzip stream's exception into one that names the file.
    /// </summary>
    private static int ReadFully(Stream stream, string path, Span<byte> buffer)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}' is not a valid gzip stream: {e.Message}", e);
        }
    }

    private static InvalidDataException Truncated(string path, string promised, long expectedBytes, long actualBytes) =>
        new($"'{path}' is truncated: its header promises {promised} ({expectedBytes} bytes of data), " +
            $"but only {actualBytes} bytes follow the header. Fetch the file again.");

    private static void CheckMaxRows(int? maxRows)
    {
        if (maxRows is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxRows), maxRows, "maxRows must be zero or more, or null for all rows.");
        }
    }

    private static int LimitRows(int declared, int? maxRows) => maxRows is int limit ? Math.Min(declared, limit) : declared;
}
