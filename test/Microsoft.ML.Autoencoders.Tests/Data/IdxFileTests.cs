using Microsoft.ML.Autoencoders.Data;

namespace Microsoft.ML.Autoencoders.Tests.Data;

public sealed class IdxFileTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_ScalesEveryByteToUnitRange_RawOrGzip(bool gzip)
    {
        byte[] pixels = SyntheticIdx.PatternPixels(count: 3, pixelsPerImage: 2 * 5);
        byte[] file = SyntheticIdx.Images(3, 2, 5, pixels);
        string path = _folder.Write("images", gzip ? SyntheticIdx.Gzip(file) : file);

        IdxImages images = IdxFile.ReadImages(path);

        Assert.Equal(3, images.Count);
        Assert.Equal(2, images.Height);
        Assert.Equal(5, images.Width);
        Assert.Equal(10, images.PixelsPerImage);
        Assert.Equal(pixels.Select(p => p / 255f), images.Pixels);
        Assert.Equal(pixels.Skip(10).Take(10).Select(p => p / 255f), images.Image(1).ToArray());
    }

    [Fact]
    public void ReadImages_CoversTheWholeByteRange_ZeroToOne()
    {
        byte[] pixels = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];
        string path = _folder.Write("images", SyntheticIdx.Images(1, 16, 16, pixels));

        float[] read = IdxFile.ReadImages(path).Pixels;

        Assert.Equal(0f, read[0]);
        Assert.Equal(1f, read[255]);
        Assert.All(read, value => Assert.InRange(value, 0f, 1f));
    }

    [Fact]
    public void ReadImages_LargerThanOneChunk_ReadsEveryPixel()
    {
        // 100 images of 28×28 are 78,400 bytes: more than the reader's 64 KiB chunk, so the chunk loop
        // and its last partial chunk both run.
        byte[] pixels = SyntheticIdx.PatternPixels(100, 28 * 28);
        string path = _folder.Write("images.gz", SyntheticIdx.Gzip(SyntheticIdx.Images(100, 28, 28, pixels)));

        IdxImages images = IdxFile.ReadImages(path);

        Assert.Equal(pixels.Select(p => p / 255f), images.Pixels);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadLabels_ReturnsTheBytes_RawOrGzip(bool gzip)
    {
        byte[] labels = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9];
        byte[] file = SyntheticIdx.Labels(labels);
        string path = _folder.Write("labels", gzip ? SyntheticIdx.Gzip(file) : file);

        Assert.Equal(labels, IdxFile.ReadLabels(path));
    }

    [Fact]
    public void ReadImagesAndLabels_WithMaxRows_ReadOnlyTheFirstRows()
    {
        byte[] pixels = SyntheticIdx.PatternPixels(5, 4);
        string imagesPath = _folder.Write("images.gz", SyntheticIdx.Gzip(SyntheticIdx.Images(5, 2, 2, pixels)));
        string labelsPath = _folder.Write("labels", SyntheticIdx.Labels([3, 1, 4, 1, 5]));

        IdxImages images = IdxFile.ReadImages(imagesPath, maxRows: 2);
        byte[] labels = IdxFile.ReadLabels(labelsPath, maxRows: 2);

        Assert.Equal(2, images.Count);
        Assert.Equal(pixels.Take(8).Select(p => p / 255f), images.Pixels);
        Assert.Equal([3, 1], labels);
        Assert.Equal(5, IdxFile.ReadImages(imagesPath, maxRows: 50).Count);
    }

    [Fact]
    public void ReadImages_NegativeMaxRows_Throws()
    {
        string path = _folder.Write("images", SyntheticIdx.Images(1, 1, 1, [0]));

        Assert.Throws<ArgumentOutOfRangeException>(() => IdxFile.ReadImages(path, maxRows: -1));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_TruncatedPixels_ThrowsNamingFileAndSizes(bool gzip)
    {
        byte[] whole = SyntheticIdx.Images(4, 3, 3, SyntheticIdx.PatternPixels(4, 9));
        byte[] cut = whole[..^5];
        string path = _folder.Write("cut-images", gzip ? SyntheticIdx.Gzip(cut) : cut);

        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("truncated", error.Message);
        Assert.Contains("4 images of 3×3 pixels (36 bytes", error.Message);
        Assert.Contains("only 31 bytes", error.Message);
    }

    [Fact]
    public void ReadLabels_TruncatedLabels_ThrowsNamingFileAndSizes()
    {
        byte[] cut = SyntheticIdx.Labels([1, 2, 3, 4, 5, 6])[..^2];
        string path = _folder.Write("cut-labels", cut);

        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadLabels(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("6 labels", error.Message);
        Assert.Contains("only 4 bytes", error.Message);
    }

    [Fact]
    public void ReadImages_TruncatedHeader_Throws()
    {
        byte[] header = SyntheticIdx.Header(0x00000803, 10, 28, 28);
        string inDimensions = _folder.Write("cut-header", header[..10]);
        string inMagic = _folder.Write("two-bytes", header[..3]);

        var dimensionsError = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(inDimensions));
        var magicError = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(inMagic));

        Assert.Contains("truncated inside its header", dimensionsError.Message);
        Assert.Contains("only 3 byte(s)", magicError.Message);
    }

    [Fact]
    public void ReadImages_GivenALabelsFile_SaysWhichReaderFits()
    {
        string path = _folder.Write("labels.gz", SyntheticIdx.Gzip(SyntheticIdx.Labels([1, 2])));

        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(path));

        Assert.Contains("magic number is 0x00000801, expected 0x00000803", error.Message);
        Assert.Contains("ReadLabels", error.Message);
    }

    [Fact]
    public void ReadLabels_GivenAnImagesFile_SaysWhichReaderFits()
    {
        string path = _folder.Write("images", SyntheticIdx.Images(1, 1, 1, [9]));

        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadLabels(path));

        Assert.Contains("magic number is 0x00000803, expected 0x00000801", error.Message);
        Assert.Contains("ReadImages", error.Message);
    }

    [Fact]
    public void ReadImages_NotAnIdxFile_ThrowsWithItsMagic()
    {
        string path = _folder.Write("page.html", "<html></html>"u8.ToArray());

        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("0x3C68746D", error.Message);
    }

    [Fact]
    public void ReadImages_CorruptGzip_ThrowsNamingFile()
    {
        // The gzip magic followed by an invalid compression method.
        string path = _folder.Write("broken.gz", [0x1f, 0x8b, 0x63, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);

        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(path));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void ReadImages_MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => IdxFile.ReadImages(Path.Combine(_folder.Path, "absent")));
    }
}
