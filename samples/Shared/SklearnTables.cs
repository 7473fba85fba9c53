namespace Microsoft.ML.Autoencoders.Samples;

/// <summary>
/// The command line and data folder of the samples that read scikit-learn's bundled tables, exported to CSV by
/// build/fetch-sklearn-tables.sh: <c>[--data DIR] [--seed N] [--quick]</c>, and the folder found from the working directory up.
/// </summary>
internal static class SklearnTables
{
    /// <summary>
    /// Reads <c>--data DIR</c>, <c>--seed N</c> (default 1) and <c>--quick</c> (a smoke run: the same steps, shorter
    /// training; build/run-samples-quick.sh passes it) and finds the tables; null, after printing what is wrong, when the
    /// arguments are bad or <paramref name="requiredFile"/> is nowhere to be found.
    /// </summary>
    public static (string Directory, int Seed, bool Quick)? Arguments(string[] args, string sampleName, string requiredFile)
    {
        string? directory = null;
        int seed = 1;
        bool quick = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--data" when i + 1 < args.Length: directory = args[++i]; break;
                case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], out int s): seed = s; i++; break;
                case "--quick": quick = true; break;
                default:
                    Console.Error.WriteLine($"usage: {sampleName} [--data DIR] [--seed N] [--quick]   (DIR holds the tables build/fetch-sklearn-tables.sh exports)");
                    return null;
            }
        }
        directory ??= Find(requiredFile);
        if (directory == null)
        {
            Console.Error.WriteLine($"The tables are missing: run build/fetch-sklearn-tables.sh (./build.sh sample {sampleName} does it).");
            return null;
        }
        return (directory, seed, quick);
    }

    /// <summary>The folder build/fetch-sklearn-tables.sh writes, found from the working directory up.</summary>
    private static string? Find(string requiredFile)
    {
        for (var folder = new DirectoryInfo(Directory.GetCurrentDirectory()); folder != null; folder = folder.Parent)
        {
            string candidate = Path.Combine(folder.FullName, "artifacts", "data", "sklearn-tables");
            if (File.Exists(Path.Combine(candidate, requiredFile))) return candidate;
        }
        return null;
    }
}
