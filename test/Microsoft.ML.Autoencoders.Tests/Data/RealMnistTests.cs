using System.Runtime.CompilerServices;
using Microsoft.ML.Autoencoders.Data;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.Data;

/// <summary>
/// Checks against the real MNIST files. They are beside every clone that CI builds (../shared) or put in
/// artifacts/data/mnist by build/fetch-mnist.sh; when they are missing these tests fail with the message
/// that says how to get them, rather than passing without checking anything.
/// </summary>
public sealed class RealMnistTests
{
    [Fact]
    public void TestSplit_Has10000RowsAndStartsWithASeven()
    {
        MnistFiles files = Files();

        MnistSplit test = MnistData.Read(files.TestImages, files.TestLabels);

        Assert.Equal(10_000, test.Count);
        Assert.Equal(10_000 * 784, test.Pixels.Length);
        Assert.Equal(7, test.Labels[0]);
        Assert.Equal(2, test.Labels[1]);
        Assert.Equal(Enumerable.Range(0, 10).Select(d => (byte)d), test.Labels.Distinct().Order());
        Assert.All(test.Pixels, value => Assert.InRange(value, 0f, 1f));
        // The border of every MNIST digit is blank; the centre of the first one (a 7) is not.
        Assert.Equal(0f, test.Image(0)[0]);
        Assert.True(test.Image(0).ToArray().Sum() > 50f);
    }

    [Fact]
    public void TrainSplit_Has60000RowsAndStartsWithAFive()
    {
        MnistFiles files = Files();

        MnistSplit train = MnistData.Read(files.TrainImages, files.TrainLabels);

        Assert.Equal(60_000, train.Count);
        Assert.Equal(5, train.Labels[0]);
        Assert.Equal(0, train.Labels[1]);
    }

    [Fact]
    public void LoadTest_AsDataView_HasTheMnistSchemaAndCount()
    {
        MnistFiles files = Files();

        IDataView view = MnistData.LoadTest(new MLContext(seed: 1), files.Directory, maxRows: 100);

        Assert.Equal(100, view.GetRowCount());
        Assert.Equal(NumberDataViewType.Single, view.Schema["Label"].Type);
        Assert.Equal(784, Assert.IsType<VectorDataViewType>(view.Schema["Features"].Type).Size);
        float firstLabel = view.GetColumn<float>("Label").First();
        Assert.Equal(7f, firstLabel);
    }

    /// <summary>
    /// The files as <see cref="MnistFiles.Locate"/> finds them, falling back to this source file's clone when
    /// the test binaries were built outside the repository (e.g. with a custom ArtifactsPath).
    /// </summary>
    private static MnistFiles Files()
    {
        string? repository = MnistFiles.FindRepositoryRoot() ?? MnistFiles.FindRepositoryRoot([SourceFolder()]);
        return MnistFiles.Search(null, Environment.GetEnvironmentVariable(MnistFiles.DirectoryVariable), repository);
    }

    private static string SourceFolder([CallerFilePath] string sourcePath = "") => Path.GetDirectoryName(sourcePath)!;
}
