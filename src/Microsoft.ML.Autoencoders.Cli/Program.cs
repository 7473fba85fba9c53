namespace Microsoft.ML.Autoencoders.Cli;

internal static class Program
{
    public static int Main(string[] args) => AutoencoderTool.Run(args, Console.Out, Console.Error, isTerminal: !Console.IsOutputRedirected);
}
