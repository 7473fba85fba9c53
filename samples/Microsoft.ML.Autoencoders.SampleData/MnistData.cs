namespace Microsoft.ML.Autoencoders.Data;

/// <summary>
/// Loads MNIST, the 70,000 28×28 handwritten digits, as ML.NET data views or as arrays.
/// </summary>
/// <remarks>
/// The files are found by <see cref="MnistFiles.Locate"/>. Every view has the columns <c>Label</c>
/// (<see cref="Single"/>, the digit 0–9) and <c>Features</c> (a vector of exactly 784 <see cref="Single"/>
/// pixels in [0, 1]).
/// </remarks>
public static class MnistData
{
    /// <summary>Name of the column holding the digit.</summary>
    public const string LabelColumnName = MnistDataView.LabelColumnName;

    /// <summary>Name of the column holding the 784 pixels.</summary>
    public const string FeaturesColumnName = MnistDataView.FeaturesColumnName;

    /// <summary>Loads the 60,000 training images as a data view.</summary>
    /// <param name="mlContext">The context the view will be used with.</param>
    /// <param name="directory">A folder holding the MNIST files; null searches the usual places (see <see cref="MnistFiles.Locate"/>).</param>
    /// <param name="maxRows">Load at most this many images from the start of the file; null loads all.</param>
    /// <returns>A view with the columns <c>Label</c> and <c>Features</c>.</returns>
    /// <exception cref="FileNotFoundException">The files are not found; the message says how to get them.</exception>
    public static IDataView LoadTrain(MLContext mlContext, string? directory = null, int? maxRows = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return ReadTrain(directory, maxRows).ToDataView();
    }

    /// <summary>Loads the 10,000 test images as a data view.</summary>
    /// <param name="mlContext">The context the view will be used with.</param>
    /// <param name="directory">A folder holding the MNIST files; null searches the usual places (see <see cref="MnistFiles.Locate"/>).</param>
    /// <param name="maxRows">Load at most this many images from the start of the file; null loads all.</param>
    /// <returns>A view with the columns <c>Label</c> and <c>Features</c>.</returns>
    /// <exception cref="FileNotFoundException">The files are not found; the message says how to get them.</exception>
    public static IDataView LoadTest(MLContext mlContext, string? directory = null, int? maxRows = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return ReadTest(directory, maxRows).ToDataView();
    }

    /// <summary>Reads the 60,000 training images and labels as arrays.</summary>
    /// <param name="directory">A folder holding the MNIST files; null searches the usual places (see <see cref="MnistFiles.Locate"/>).</param>
    /// <param name="maxRows">Read at most this many images from the start of the file; null reads all.</param>
    public static MnistSplit ReadTrain(string? directory = null, int? maxRows = null)
    {
        MnistFiles files = MnistFiles.Locate(directory);
        return Read(files.TrainImages, files.TrainLabels, maxRows);
    }

    /// <summary>Reads the 10,000 test images and labels as arrays.</summary>
    /// <param name="directory">A folder holding the MNIST files; null searches the usual places (see <see cref="MnistFiles.Locate"/>).</param>
    /// <param name="maxRows">Read at most this many images from the start of the file; null reads all.</param>
    public static MnistSplit ReadTest(string? directory = null, int? maxRows = null)
    {
        MnistFiles files = MnistFiles.Locate(directory);
        return Read(files.TestImages, files.TestLabels, maxRows);
    }

    /// <summary>
    /// Reads a pair of IDX files (images and their labels) and checks that they describe the same number of
    /// 28×28 images.
    /// </summary>
    /// <param name="imagesPath">An IDX images file of 28×28 images, raw or gzip-compressed.</param>
    /// <param name="labelsPath">An IDX labels file, raw or gzip-compressed.</param>
    /// <param name="maxRows">Read at most this many images from the start of the files; null reads all.</param>
    /// <exception cref="InvalidDataException">A file is malformed, the images are not 28×28, or the counts differ.</exception>
    public static MnistSplit Read(string imagesPath, string labelsPath, int? maxRows = null)
    {
        IdxImages images = IdxFile.ReadImages(imagesPath, maxRows);
        if (images.Height != MnistSplit.ImageHeight || images.Width != MnistSplit.ImageWidth)
        {
            throw new InvalidDataException(
                $"'{imagesPath}' holds {images.Height}×{images.Width} images; MNIST images are " +
                $"{MnistSplit.ImageHeight}×{MnistSplit.ImageWidth}. Use IdxFile.ReadImages for other sizes.");
        }

        byte[] labels = IdxFile.ReadLabels(labelsPath, maxRows);
        if (labels.Length != images.Count)
        {
            throw new InvalidDataException(
                $"'{imagesPath}' holds {images.Count} images but '{labelsPath}' holds {labels.Length} labels; " +
                "the two files must come from the same split.");
        }

        return new MnistSplit(images.Pixels, labels);
    }
}
