using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Microsoft.ML.Autoencoders.Samples;

/// <summary>
/// The 32×32 colour patches that build/fetch-colour-patches.sh cuts from photos Debian ships (python3-skimage's and
/// python3-scipy's): 9,000 training patches of four photos and the held-out test photo as 9×14 tiles in row order. Each image is a row of
/// [3, side, side] values in [0, 1], channels first (R, G, B planes), as the engine's image layers read them.
/// </summary>
internal sealed class ColourPatches
{
    /// <summary>The folder under artifacts/data that the fetch script fills by default.</summary>
    public const string FolderName = "colour-patches";

    /// <summary>The weights of ITU-R BT.601 luma, the usual RGB-to-gray conversion: Y = 0.299 R + 0.587 G + 0.114 B.</summary>
    public const float RedWeight = 0.299f, GreenWeight = 0.587f, BlueWeight = 0.114f;

    private const string HowToGet =
        "Run build/fetch-colour-patches.sh from the repository root (./build.sh sample does it for the samples that need " +
        "them): it cuts them from photos that the Debian packages python3-skimage and python3-scipy ship.";

    private ColourPatches(string directory, float[][] train, float[][] test, int testRows, int testColumns, int side)
    {
        Directory = directory;
        Train = train;
        Test = test;
        TestRows = testRows;
        TestColumns = testColumns;
        Side = side;
    }

    /// <summary>The folder the two files were read from.</summary>
    public string Directory { get; }

    /// <summary>The training patches, already shuffled by the script (so any prefix mixes the photos).</summary>
    public float[][] Train { get; }

    /// <summary>The test photo's tiles, row by row: tile (r, c) is at r · <see cref="TestColumns"/> + c.</summary>
    public float[][] Test { get; }

    /// <summary>Rows of tiles in the test photo.</summary>
    public int TestRows { get; }

    /// <summary>Columns of tiles in the test photo.</summary>
    public int TestColumns { get; }

    /// <summary>A patch's height and width.</summary>
    public int Side { get; }

    /// <summary>Values per patch: 3 · side · side.</summary>
    public int Size => 3 * Side * Side;

    /// <summary>
    /// Reads train.npy and test.npy from <paramref name="directory"/>, or from &lt;repository&gt;/artifacts/data/colour-patches
    /// when it is null. Throws <see cref="FileNotFoundException"/> saying how to make them.
    /// </summary>
    public static ColourPatches Load(string? directory)
    {
        directory ??= Path.Combine(Data.MnistFiles.FindRepositoryRoot() ?? System.IO.Directory.GetCurrentDirectory(), "artifacts", "data", FolderName);
        string trainPath = Path.Combine(directory, "train.npy"), testPath = Path.Combine(directory, "test.npy");
        if (!File.Exists(trainPath) || !File.Exists(testPath))
            throw new FileNotFoundException($"The colour patches (train.npy, test.npy) are not in {Path.GetFullPath(directory)}. {HowToGet}");

        var (trainPixels, trainShape) = ReadBytes(trainPath);
        var (testPixels, testShape) = ReadBytes(testPath);
        // train: (count, 3, side, side); test: (rows, columns, 3, side, side).
        if (trainShape.Length != 4 || trainShape[1] != 3 || trainShape[2] != trainShape[3])
            throw new InvalidDataException($"{trainPath} has shape ({string.Join(", ", trainShape)}), expected (count, 3, side, side). {HowToGet}");
        int side = trainShape[2];
        if (testShape.Length != 5 || testShape[2] != 3 || testShape[3] != side || testShape[4] != side)
            throw new InvalidDataException($"{testPath} has shape ({string.Join(", ", testShape)}), expected (rows, columns, 3, {side}, {side}). {HowToGet}");

        return new ColourPatches(Path.GetFullPath(directory), ToImages(trainPixels, 3 * side * side), ToImages(testPixels, 3 * side * side),
            testShape[0], testShape[1], side);
    }

    /// <summary>The gray version of a colour image: its luma Y in all three channels, so it keeps the colour image's size.</summary>
    public static float[] ToGray(float[] rgb)
    {
        int plane = rgb.Length / 3;
        var gray = new float[rgb.Length];
        for (int p = 0; p < plane; p++)
        {
            float y = Luma(rgb, plane, p);
            gray[p] = gray[plane + p] = gray[2 * plane + p] = y;
        }
        return gray;
    }

    /// <summary>Luma of pixel <paramref name="p"/> of a [3, H, W] image whose planes hold <paramref name="plane"/> values.</summary>
    public static float Luma(float[] rgb, int plane, int p) =>
        RedWeight * rgb[p] + GreenWeight * rgb[plane + p] + BlueWeight * rgb[2 * plane + p];

    /// <summary>
    /// Puts tiles laid out row by row (<paramref name="rows"/> × <paramref name="columns"/>, each [3, side, side]) back
    /// into one [3, rows · side, columns · side] image.
    /// </summary>
    public static float[] Assemble(IReadOnlyList<float[]> tiles, int rows, int columns, int side)
    {
        int width = columns * side, plane = rows * side * width;
        var image = new float[3 * plane];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                float[] tile = tiles[r * columns + c];
                for (int channel = 0; channel < 3; channel++)
                    for (int y = 0; y < side; y++)
                        Array.Copy(tile, (channel * side + y) * side, image, channel * plane + (r * side + y) * width + c * side, side);
            }
        return image;
    }

    private static float[][] ToImages(byte[] pixels, int size)
    {
        var images = new float[pixels.Length / size][];
        for (int i = 0; i < images.Length; i++)
        {
            var image = images[i] = new float[size];
            for (int p = 0; p < size; p++) image[p] = pixels[i * size + p] / 255f;
        }
        return images;
    }

    /// <summary>
    /// Reads a NumPy .npy file of unsigned bytes in C order: the magic, the version, the header's length, a Python dict
    /// literal with 'descr', 'fortran_order' and 'shape', then the raw values. Anything else is refused.
    /// </summary>
    private static (byte[] Values, int[] Shape) ReadBytes(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        ReadOnlySpan<byte> magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
        if (file.Length < 10 || !file.AsSpan(0, 6).SequenceEqual(magic))
            throw new InvalidDataException($"{path} is not a .npy file.");
        // Version 1 stores the header length in 2 bytes, versions 2 and 3 in 4 (little-endian either way).
        int major = file[6];
        int lengthBytes = major == 1 ? 2 : 4;
        int headerLength = lengthBytes == 2 ? BitConverter.ToUInt16(file, 8) : checked((int)BitConverter.ToUInt32(file, 8));
        int dataStart = 8 + lengthBytes + headerLength;
        string header = Encoding.Latin1.GetString(file, 8 + lengthBytes, headerLength);

        if (!Regex.IsMatch(header, @"'descr':\s*'\|u1'") || !Regex.IsMatch(header, @"'fortran_order':\s*False"))
            throw new InvalidDataException($"{path} must hold unsigned bytes in C order; its header is {header.Trim()}");
        Match shapeText = Regex.Match(header, @"'shape':\s*\(([^)]*)\)");
        if (!shapeText.Success) throw new InvalidDataException($"{path} has no shape in its header {header.Trim()}");
        int[] shape = shapeText.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToArray();

        long count = shape.Aggregate(1L, (product, d) => product * d);
        if (file.Length - dataStart != count)
            throw new InvalidDataException($"{path} should hold {count} values after its header but holds {file.Length - dataStart}.");
        return (file[dataStart..], shape);
    }
}
