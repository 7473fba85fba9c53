namespace Microsoft.ML.Autoencoders.Cli.Tests;

/// <summary>
/// A model trained on a folder of images with --image-size and --color remembers that shape (as it remembers a CSV's
/// feature columns), so encode, reconstruct, score and plot read the next folder alike without the options repeated.
/// </summary>
public sealed class ImageFolderShapeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("autoencoder-images-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string In(string name) => Path.Combine(_folder, name);

    [Fact]
    public void Later_commands_read_images_at_the_size_and_colour_the_model_was_trained_on()
    {
        // Two PNGs of different sizes (800×500 and 800×650), drawn by the tool itself.
        TestData.WritePlaneCsv(In("data.csv"), rows: 60, anomalies: 3);
        ToolRun.Of("train", "-d", In("data.csv"), "--exclude", "id,label", "-o", In("plane.zip"), "--epochs", "2", "--code-size", "2").Succeeded();
        string images = In("images");
        ToolRun.Of("plot", "loss", In("plane.zip"), "-o", Path.Combine(images, "a", "loss.png")).Succeeded();
        ToolRun.Of("plot", "codes", In("plane.zip"), "-d", In("data.csv"), "-o", Path.Combine(images, "b", "codes.png")).Succeeded();

        ToolRun.Of("train", "-d", images, "--image-size", "8x6", "--color", "-o", In("images.zip"), "--epochs", "1", "--code-size", "4").Succeeded();
        ToolRun.Of("encode", In("images.zip"), "-d", images, "-o", In("codes.csv")).Succeeded();
        var (header, rows) = TestData.ReadCsv(In("codes.csv"));
        // The subfolders (a, b) label the images.
        Assert.Equal(["label", "code_1", "code_2", "code_3", "code_4"], header);
        Assert.Equal(2, rows.Length);
        // Told otherwise, the options still win: gray images do not fit a colour model, and the message says so.
        ToolRun.Of("encode", In("images.zip"), "-d", images, "--color", "false", "-o", In("gray.csv")).Failed(ExitCodes.DataOrModel, "rows of 144 features");
    }

    /// <summary>
    /// Images whose sides the conv blocks cannot halve and give back are refused with the tool's options: the library's
    /// advice (pooling, kernel sizes, explicit layers) names settings the command line does not have, or gives none.
    /// </summary>
    [Theory]
    [InlineData("6x6", "ends on 8×8 images (height × width), not the input's 6×6")]
    // --image-size is WIDTHxHEIGHT; the sizes in the message must say which side is which, or 12x6 reads as "6×12" flipped.
    [InlineData("12x6", "ends on 8×12 images (height × width), not the input's 6×12")]
    [InlineData("2x2", "it takes an image of at least 2×2")]
    public void Conv_on_images_the_blocks_cannot_halve_is_told_to_resize_them(string size, string what)
    {
        TestData.WritePlaneCsv(In("data.csv"), rows: 20, anomalies: 0);
        ToolRun.Of("train", "-d", In("data.csv"), "--exclude", "id,label", "-o", In("plane.zip"), "--epochs", "1", "--code-size", "2").Succeeded();
        string images = In("images");
        ToolRun.Of("plot", "loss", In("plane.zip"), "-o", Path.Combine(images, "loss.png")).Succeeded();

        var run = ToolRun.Of("train", "-d", images, "--image-size", size, "--kind", "conv", "-o", In("conv.zip"), "--epochs", "1");

        run.Failed(ExitCodes.Usage, what);
        Assert.Contains("resize the images with --image-size (sides that halve evenly once per --filters block always fit, here multiples of 4), or give fewer --filters.", run.Error);
        Assert.DoesNotContain("give the layers explicitly", run.Error);
    }
}
