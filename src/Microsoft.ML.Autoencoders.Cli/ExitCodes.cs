namespace Microsoft.ML.Autoencoders.Cli;

/// <summary>What the tool's exit status means, so scripts can tell a typo from a broken file (listed in docs/cli.md).</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>The command line is wrong: an unknown verb or option, a missing or malformed value, options that conflict.</summary>
    public const int Usage = 1;

    /// <summary>The inputs are: a missing or malformed data file, a file that is not a model, data that does not fit the model, a failed training.</summary>
    public const int DataOrModel = 2;

    /// <summary>Stopped by Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;
}
