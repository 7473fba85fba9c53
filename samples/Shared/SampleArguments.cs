namespace Microsoft.ML.Autoencoders.Samples;

/// <summary>The few command-line readers every sample's options parser needs; errors carry the sample's usage text.</summary>
internal static class SampleArguments
{
    /// <summary>The value after option args[i]; advances i past it.</summary>
    public static string Value(string[] args, ref int i, string usage)
    {
        if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value.\n{usage}");
        return args[++i];
    }

    /// <summary>An integer of at least <paramref name="minimum"/> after option args[i]; advances i past it.</summary>
    public static int Integer(string[] args, ref int i, string usage, int minimum = 1)
    {
        string name = args[i];
        string text = Value(args, ref i, usage);
        if (!int.TryParse(text, out int value) || value < minimum)
            throw new ArgumentException($"{name} needs a whole number of at least {minimum}, not '{text}'.\n{usage}");
        return value;
    }

    /// <summary>Inside a clone, samples write into artifacts/samples beside everything else the build makes.</summary>
    public static string DefaultOutputDirectory()
    {
        string root = Data.MnistFiles.FindRepositoryRoot() ?? Directory.GetCurrentDirectory();
        return Path.Combine(root, "artifacts", "samples");
    }
}
