using Microsoft.ML.Autoencoders.Data;

namespace Microsoft.ML.Autoencoders.Samples;

/// <summary>What every sample's options class offers, so that <see cref="SampleStartup"/> can start any of them.</summary>
internal interface ISampleOptions<TSelf> where TSelf : SampleCommonOptions, ISampleOptions<TSelf>, new()
{
    /// <summary>The sample's options, its --quick arguments and its usage text.</summary>
    static abstract SampleCommandLine<TSelf> CommandLine { get; }
}

/// <summary>The start every sample shares: parse the options, answer --help, find MNIST.</summary>
internal static class SampleStartup
{
    /// <summary>The help of --data for the samples that read MNIST.</summary>
    public const string MnistDataHelp = "folder holding the MNIST IDX files (default: searched, see MnistFiles.Locate)";

    /// <summary>
    /// True when the sample should run; otherwise <paramref name="exitCode"/> is the process's exit code
    /// (0 after --help, 2 for bad arguments, 1 when MNIST is nowhere to be found, with the way to get it printed).
    /// </summary>
    public static bool TryStart<TOptions>(string[] args, out TOptions options, out MnistFiles files, out int exitCode)
        where TOptions : SampleCommonOptions, ISampleOptions<TOptions>, new()
    {
        files = null!;
        if (!TryParse(args, out options, out exitCode)) return false;
        try
        {
            files = MnistFiles.Locate(options.DataDirectory);
        }
        catch (FileNotFoundException e)
        {
            Console.Error.WriteLine(e.Message);
            exitCode = 1;
            return false;
        }
        exitCode = 0;
        return true;
    }

    /// <summary>
    /// The first half of <see cref="TryStart{TOptions}"/>, for samples that do not read MNIST: true when the sample
    /// should run; otherwise <paramref name="exitCode"/> is 0 after --help and 2 for bad arguments.
    /// </summary>
    public static bool TryParse<TOptions>(string[] args, out TOptions options, out int exitCode)
        where TOptions : SampleCommonOptions, ISampleOptions<TOptions>, new()
    {
        options = null!;
        try
        {
            options = TOptions.CommandLine.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            exitCode = 2;
            return false;
        }
        if (options.ShowHelp)
        {
            Console.WriteLine(TOptions.CommandLine.Usage);
            exitCode = 0;
            return false;
        }
        if (options.Quick) Console.WriteLine($"Quick run: --quick stands for {string.Join(' ', TOptions.CommandLine.QuickArguments)}");
        exitCode = 0;
        return true;
    }
}
