using System.Buffers.Binary;
using System.IO.Compression;

namespace Microsoft.ML.Autoencoders.Cli.Data;

/// <summary>
/// Reads IDX files, MNIST's format (gzipped or not): a magic number whose third byte is the element type (0x08, unsigned
/// bytes, is the only one MNIST uses) and fourth the rank, then one big-endian int32 per dimension, then the elements.
/// Images ([n, height, width]) become rows of pixels scaled to [0, 1]; a label file ([n]) gives the labels.
/// </summary>
internal static class IdxFileReader
{
    private const byte UnsignedByte = 0x08;

    public static DataSet Read(string imagesPath, string? labelsPath)
    {
        var (shape, bytes) = ReadRaw(imagesPath);
        if (shape.Length != 3) throw new InvalidDataException($"'{imagesPath}' holds a rank-{shape.Length} array; IDX images are rank 3 [count, height, width].");
        int rows = shape[0], height = shape[1], width = shape[2];
        if (rows == 0) throw new InvalidDataException($"'{imagesPath}' holds no images (its first dimension is 0).");
        var features = new float[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) features[i] = bytes[i] / 255f;

        string[]? labels = null;
        if (labelsPath != null)
        {
            var (labelShape, labelBytes) = ReadRaw(labelsPath);
            if (labelShape.Length != 1 || labelShape[0] != rows)
                throw new InvalidDataException($"'{labelsPath}' holds [{string.Join(", ", labelShape)}]; the images need {rows} labels, shape [{rows}].");
            labels = labelBytes.Select(b => b.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }
        var names = Enumerable.Range(0, height * width).Select(p => $"pixel{p / width}_{p % width}").ToArray();
        return new DataSet(features, rows, height * width, names, labels, [1, height, width]);
    }

    private static (int[] Shape, byte[] Elements) ReadRaw(string path)
    {
        using Stream file = File.OpenRead(path);
        // Gzipped or not by the content, not the name: a download saved without its ".gz" is still gzip.
        using Stream stream = IsGzip(file) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new BinaryReader(stream);
        try
        {
            byte[] magic = reader.ReadBytes(4);
            if (magic.Length < 4 || magic[0] != 0 || magic[1] != 0)
                throw new InvalidDataException($"'{path}' is not an IDX file: it does not start with two zero bytes.");
            if (magic[2] != UnsignedByte)
                throw new InvalidDataException($"'{path}' holds IDX element type 0x{magic[2]:X2}; only unsigned bytes (0x08, as in MNIST) are read.");
            var shape = new int[magic[3]];
            for (int d = 0; d < shape.Length; d++)
            {
                byte[] dimension = reader.ReadBytes(4);
                if (dimension.Length < 4) throw new EndOfStreamException();
                shape[d] = BinaryPrimitives.ReadInt32BigEndian(dimension);
                if (shape[d] < 0) throw new InvalidDataException($"'{path}' is damaged: its dimension {d + 1} is {shape[d]}.");
            }
            // The product in double cannot overflow; anything past one array is a damaged header, not a data set.
            if (shape.Aggregate(1.0, (a, b) => a * b) > Array.MaxLength)
                throw new InvalidDataException($"'{path}' is damaged: its header declares {string.Join(" × ", shape)} elements, more than one array holds.");
            long count = shape.Aggregate(1L, (a, b) => a * b);
            byte[] elements = reader.ReadBytes((int)count);
            if (elements.Length != count) throw new InvalidDataException($"'{path}' is truncated: {elements.Length} of {count} elements.");
            return (shape, elements);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"'{path}' is truncated in its IDX header.");
        }
    }

    /// <summary>Whether <paramref name="file"/> starts with gzip's magic bytes (1F 8B); leaves it at its start.</summary>
    private static bool IsGzip(Stream file)
    {
        Span<byte> magic = stackalloc byte[2];
        int read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return read == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }
}
