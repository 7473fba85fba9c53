using System.Globalization;
using System.Text;

namespace Microsoft.ML.Autoencoders.Samples;

/// <summary>
/// One sample's command line, declared option by option: the parser and the usage text come from the same
/// declarations, so they cannot disagree. Every sample also gets <c>--quick</c>, <c>--output DIR</c>, <c>--data DIR</c>
/// and <c>--help</c> (<see cref="SampleCommonOptions"/>).
/// </summary>
/// <remarks>
/// <c>--quick</c> stands for a list of ordinary arguments (<see cref="Quick"/>), read before the ones typed, so a typed
/// option wins over the quick value and the quick run goes through the same code as any other run, only on less.
/// </remarks>
internal sealed class SampleCommandLine<TOptions> where TOptions : SampleCommonOptions, new()
{
    private const string QuickName = "--quick";

    private readonly string program;
    private readonly string outputHelp;
    private readonly string dataHelp;
    private readonly List<Option> options = [];
    private string[] quickArguments = [];

    /// <summary>One option: its name, the placeholder of its value (null for a flag), its help and what it does.</summary>
    private sealed record Option(string Name, string? Placeholder, string Help, Action<TOptions, string> Apply);

    /// <param name="program">The sample's name, as the usage line shows it.</param>
    /// <param name="outputHelp">What the sample writes into the output folder (e.g. "mnist-reconstructions.png").</param>
    /// <param name="dataHelp">What <c>--data</c> names and where it is looked for by default.</param>
    public SampleCommandLine(string program, string outputHelp, string dataHelp)
    {
        this.program = program;
        this.outputHelp = outputHelp;
        this.dataHelp = dataHelp;
    }

    /// <summary>What <c>--quick</c> stands for.</summary>
    public IReadOnlyList<string> QuickArguments => quickArguments;

    /// <summary>The help text, built from the declared options.</summary>
    public string Usage => BuildUsage();

    /// <summary>An option with a value; <paramref name="apply"/> throws <see cref="FormatException"/> on a bad one.</summary>
    public SampleCommandLine<TOptions> Add(string name, string placeholder, string help, Action<TOptions, string> apply)
    {
        options.Add(new Option(name, placeholder, help, apply));
        return this;
    }

    /// <summary>A flag: an option without a value.</summary>
    public SampleCommandLine<TOptions> Flag(string name, string help, Action<TOptions> set)
    {
        options.Add(new Option(name, null, help, (target, _) => set(target)));
        return this;
    }

    /// <summary>An option taking a whole number of at least <paramref name="minimum"/>.</summary>
    public SampleCommandLine<TOptions> Integer(string name, string help, Action<TOptions, int> set, int minimum = 1) =>
        Add(name, "N", help, (target, text) =>
            set(target, int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= minimum
                ? value
                : throw new FormatException($"{name} needs a whole number of at least {minimum}, not '{text}'.")));

    /// <summary>An option taking a number that <paramref name="isValid"/> accepts; <paramref name="rule"/> says which ones do.</summary>
    public SampleCommandLine<TOptions> Number(string name, string placeholder, string help, Action<TOptions, double> set,
        Func<double, bool> isValid, string rule) =>
        Add(name, placeholder, help, (target, text) =>
            set(target, double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && isValid(value)
                ? value
                : throw new FormatException($"{name} takes {rule}, not '{text}'.")));

    /// <summary>The arguments <c>--quick</c> stands for: a smoke run in seconds through the same steps.</summary>
    public SampleCommandLine<TOptions> Quick(params string[] arguments)
    {
        quickArguments = arguments;
        return this;
    }

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> with the usage on anything wrong.</summary>
    public TOptions Parse(string[] args)
    {
        var target = new TOptions();
        string[] all = args.Contains(QuickName) ? [.. quickArguments, .. args] : args;
        for (int i = 0; i < all.Length; i++)
        {
            string name = all[i];
            switch (name)
            {
                case QuickName: target.Quick = true; continue;
                case "--help" or "-h": target.ShowHelp = true; continue;
                case "--output": target.OutputDirectory = Path.GetFullPath(Value(all, ref i)); continue;
                case "--data": target.DataDirectory = Value(all, ref i); continue;
            }

            Option option = options.Find(o => o.Name == name) ?? throw new ArgumentException($"Unknown argument '{name}'.\n{Usage}");
            try
            {
                option.Apply(target, option.Placeholder is null ? "" : Value(all, ref i));
            }
            catch (FormatException e)
            {
                throw new ArgumentException($"{e.Message}\n{Usage}", e);
            }
        }
        return target;
    }

    /// <summary>The value after option all[i]; advances i past it.</summary>
    private string Value(string[] all, ref int i)
    {
        if (i + 1 >= all.Length) throw new ArgumentException($"{all[i]} needs a value.\n{Usage}");
        return all[++i];
    }

    private string BuildUsage()
    {
        var rows = options.Select(o => (Left: o.Placeholder is null ? o.Name : $"{o.Name} {o.Placeholder}", o.Help)).ToList();
        rows.Add((QuickName, "a smoke run in seconds through the same steps on less data, as if given\n" +
                             $"{string.Join(' ', quickArguments)} (options typed as well win);\n" +
                             "outputs go to <repository>/artifacts/samples/quick unless --output is given"));
        rows.Add(("--output DIR", $"where {outputHelp} (default: <repository>/artifacts/samples)"));
        rows.Add(("--data DIR", dataHelp));
        rows.Add(("--help", "this text"));

        int width = rows.Max(r => r.Left.Length) + 2;
        // The synopsis, wrapped at about 120 columns under the program's name.
        var usage = new StringBuilder($"usage: {program}");
        int lineStart = 0, indent = usage.Length;
        foreach (var (left, _) in rows.Take(rows.Count - 1))
        {
            if (usage.Length - lineStart + left.Length + 3 > 120)
            {
                usage.AppendLine();
                lineStart = usage.Length;
                usage.Append(' ', indent);
            }
            usage.Append($" [{left}]");
        }
        usage.AppendLine();
        foreach (var (left, help) in rows)
        {
            string[] lines = help.Split('\n');
            usage.Append("  ").Append(left.PadRight(width)).AppendLine(lines[0]);
            foreach (string line in lines.Skip(1)) usage.Append(' ', width + 2).AppendLine(line);
        }
        return usage.ToString().TrimEnd();
    }
}
