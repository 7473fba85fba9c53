using Microsoft.ML.Autoencoders.Samples;

namespace Microsoft.ML.Autoencoders.Tests.Samples;

/// <summary>
/// The samples' shared command line (samples/Shared/SampleCommandLine.cs, compiled in here): --quick stands for
/// ordinary arguments that typed ones override, the usage comes from the declarations, and bad input is refused with it.
/// </summary>
public class SampleCommandLineTests
{
    private sealed class Options : SampleCommonOptions
    {
        public int Epochs { get; set; } = 15;

        public int? Rows { get; set; }

        public double Fraction { get; set; }

        public bool Verbose { get; set; }
    }

    private static SampleCommandLine<Options> CommandLine() =>
        new SampleCommandLine<Options>("Demo", "demo.png goes", "folder of the demo data")
            .Integer("--epochs", "training epochs (default 15)", (o, v) => o.Epochs = v)
            .Integer("--rows", "use only the first N rows", (o, v) => o.Rows = v)
            .Number("--fraction", "F", "a fraction", (o, v) => o.Fraction = v, v => v >= 0 && v < 0.5, "a fraction in [0, 0.5)")
            .Flag("--verbose", "say more", o => o.Verbose = true)
            .Quick("--epochs", "1", "--rows", "100");

    [Fact]
    public void WithoutQuick_DefaultsStayAndTheOutputIsArtifactsSamples()
    {
        Options options = CommandLine().Parse(["--fraction", "0.25", "--verbose"]);
        Assert.False(options.Quick);
        Assert.Equal(15, options.Epochs);
        Assert.Null(options.Rows);
        Assert.Equal(0.25, options.Fraction);
        Assert.True(options.Verbose);
        Assert.Equal("samples", Path.GetFileName(options.OutputDirectory));
    }

    [Fact]
    public void Quick_StandsForItsArguments_TypedOptionsWin_InEitherOrder()
    {
        Options quick = CommandLine().Parse(["--quick"]);
        Assert.True(quick.Quick);
        Assert.Equal((1, 100), (quick.Epochs, quick.Rows));
        Assert.Equal("quick", Path.GetFileName(quick.OutputDirectory));

        Options before = CommandLine().Parse(["--epochs", "3", "--quick"]);
        Options after = CommandLine().Parse(["--quick", "--epochs", "3"]);
        Assert.Equal((3, 100), (before.Epochs, before.Rows));
        Assert.Equal((3, 100), (after.Epochs, after.Rows));

        string output = Path.Combine(Path.GetTempPath(), "somewhere");
        Assert.Equal(output, CommandLine().Parse(["--quick", "--output", output]).OutputDirectory);
    }

    [Theory]
    [InlineData("--epochs", "0", "--epochs needs a whole number of at least 1, not '0'.")]
    [InlineData("--fraction", "0.5", "--fraction takes a fraction in [0, 0.5), not '0.5'.")]
    [InlineData("--colour", "red", "Unknown argument '--colour'.")]
    [InlineData("--rows", null, "--rows needs a value.")]
    public void BadInput_IsRefusedWithTheReasonAndTheUsage(string name, string? value, string reason)
    {
        string[] args = value is null ? [name] : [name, value];
        var error = Assert.Throws<ArgumentException>(() => CommandLine().Parse(args));
        Assert.StartsWith(reason + "\nusage: Demo", error.Message);
    }

    [Fact]
    public void Usage_ListsEveryOption_AndWhatQuickStandsFor()
    {
        string usage = CommandLine().Usage;
        foreach (string line in new[] { "--epochs N", "--rows N", "--fraction F", "--verbose", "--quick", "--output DIR", "--data DIR", "--help" })
            Assert.Contains(line, usage);
        Assert.Contains("--epochs 1 --rows 100", usage);
        Assert.Contains("where demo.png goes", usage);
        Assert.True(CommandLine().Parse(["-h"]).ShowHelp);
        Assert.Equal("/data/demo", CommandLine().Parse(["--data", "/data/demo"]).DataDirectory);
    }
}
