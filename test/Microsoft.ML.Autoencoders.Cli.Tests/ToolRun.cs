namespace Microsoft.ML.Autoencoders.Cli.Tests;

/// <summary>One run of the tool in-process: its exit code and what it wrote to stdout and stderr.</summary>
internal sealed record ToolRun(int ExitCode, string Out, string Error)
{
    public static ToolRun Of(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = AutoencoderTool.Run(args, output, error, isTerminal: false);
        return new ToolRun(code, output.ToString(), error.ToString());
    }

    /// <summary>Asserts success, showing stderr when it failed.</summary>
    public ToolRun Succeeded()
    {
        Assert.True(ExitCode == ExitCodes.Success, $"exit {ExitCode}: {Error}");
        return this;
    }

    /// <summary>Asserts a failure with <paramref name="exitCode"/>, a message on stderr that contains <paramref name="message"/>, and no stack trace.</summary>
    public void Failed(int exitCode, string message)
    {
        Assert.True(ExitCode == exitCode, $"expected exit {exitCode}, got {ExitCode}; stderr: {Error}");
        Assert.Contains(message, Error);
        Assert.DoesNotContain("   at ", Error);
    }
}
