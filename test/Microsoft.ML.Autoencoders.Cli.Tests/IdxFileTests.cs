using System.IO.Compression;

namespace Microsoft.ML.Autoencoders.Cli.Tests;

/// <summary>
/// IDX files that are gzipped under a name without ".gz", or damaged in their header (cut short, a negative or absurd
/// dimension, no images), are read or refused with a message naming the file and what is wrong with it, not a bare
/// "Specified argument was out of the range of valid values." or "OverflowException".
/// </summary>
public sealed class IdxFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("autoencoder-idx-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string In(string name) => Path.Combine(_folder, name);

    private ToolRun Train(string images) => ToolRun.Of("train", "-d", images, "-o", In("m.zip"), "--epochs", "1", "--code-size", "2");

    [Fact]
    public void A_gzipped_file_is_read_whatever_its_name()
    {
        TestData.WriteIdx(In("raw-idx3-ubyte"), In("labels-idx1-ubyte"));
        using (var source = File.OpenRead(In("raw-idx3-ubyte")))
        using (var zipped = new GZipStream(File.Create(In("zipped-idx3-ubyte")), CompressionLevel.Fastest))
            source.CopyTo(zipped);
        Train(In("zipped-idx3-ubyte")).Succeeded();
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 8, 3, 0, 0 }, "is truncated in its IDX header")]
    [InlineData(new byte[] { 0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 28, 0, 0, 0, 28 }, "dimension 1 is -1")]
    [InlineData(new byte[] { 0, 0, 8, 3, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0x7f, 0xff, 0, 0, 0, 28 }, "declares 2147483647 × 32767 × 28 elements")]
    [InlineData(new byte[] { 0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28 }, "holds no images")]
    public void A_damaged_header_is_named(byte[] bytes, string message)
    {
        File.WriteAllBytes(In("bad-idx3-ubyte"), bytes);
        Train(In("bad-idx3-ubyte")).Failed(ExitCodes.DataOrModel, message);
    }
}
