namespace Microsoft.ML.Autoencoders.Samples;

/// <summary>
/// The options every sample takes, set by <see cref="SampleCommandLine{TOptions}"/>: <c>--quick</c>, <c>--output</c>,
/// <c>--data</c> and <c>--help</c>. Each sample's options class derives from it and adds its own.
/// </summary>
internal abstract class SampleCommonOptions
{
    private string? outputDirectory;

    /// <summary>--quick was given: a smoke run on less data, whose outputs go to a folder of their own.</summary>
    public bool Quick { get; internal set; }

    /// <summary>
    /// The folder the sample's outputs go to: --output, else &lt;repository&gt;/artifacts/samples (beside everything else
    /// the build makes), or its quick/ folder for a quick run, so a smoke run never overwrites a full run's pictures.
    /// </summary>
    public string OutputDirectory
    {
        get
        {
            if (outputDirectory is not null) return outputDirectory;
            string samples = Path.Combine(Data.MnistFiles.FindRepositoryRoot() ?? Directory.GetCurrentDirectory(), "artifacts", "samples");
            return Quick ? Path.Combine(samples, "quick") : samples;
        }
        internal set => outputDirectory = value;
    }

    /// <summary>--data, or null for the sample's default place.</summary>
    public string? DataDirectory { get; internal set; }

    /// <summary>--help was given.</summary>
    public bool ShowHelp { get; internal set; }
}
