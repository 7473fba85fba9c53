using System.CommandLine;
using System.Globalization;

namespace Microsoft.ML.Autoencoders.Cli.Data;

// ML.NET's Microsoft.ML.Command namespace would otherwise hide System.CommandLine's Command inside Microsoft.ML.*.
using Command = System.CommandLine.Command;

/// <summary>
/// The options every command that reads data shares, and the reading itself: a CSV/TSV file with a header, an MNIST IDX
/// file (by its name, *idx*-ubyte[.gz]), or a folder of images. A model's feature names and shape, when given, are what
/// the data must match.
/// </summary>
internal sealed class DataOptions
{
    public Option<string> Data { get; } = new("--data", "-d") { Description = "CSV/TSV file with a header, MNIST IDX images file, or folder of images.", Required = true };
    public Option<string[]> Features { get; } = new("--features") { Description = "Feature columns, comma-separated (default: the model's, or every column but the label and --exclude).", AllowMultipleArgumentsPerToken = true };
    public Option<string[]> Exclude { get; } = new("--exclude") { Description = "Columns that are not features (ids, dates), comma-separated.", AllowMultipleArgumentsPerToken = true };
    public Option<string> Label { get; } = new("--label") { Description = "CSV/TSV: the label column (for score, roc and codes plots)." };
    public Option<string> Labels { get; } = new("--labels") { Description = "IDX: the labels file (e.g. train-labels-idx1-ubyte)." };
    public Option<string> Separator { get; } = new("--separator") { Description = "Field separator: ',' or 'tab' (default: tab for .tsv, comma otherwise)." };
    public Option<bool> Colour { get; } = new("--color") { Description = "Image folder: read RGB (3 channels) instead of grayscale (default: as the model was trained)." };
    public Option<string> ImageSize { get; } = new("--image-size") { Description = "Image folder: resize every image to WIDTHxHEIGHT, e.g. 28x28 (default: the model's image size)." };

    /// <summary>
    /// Rows per chunk of a CSV/TSV file. Hidden: the default bounds memory well for any width, and the tests set it to a
    /// few rows so that small files cross chunk boundaries.
    /// </summary>
    public Option<int?> ChunkRows { get; } = new Option<int?>("--chunk-rows") { Description = "Rows read per chunk of a CSV/TSV file (default: 4096, fewer for wide rows).", Hidden = true }.AtLeast(1);

    /// <summary>Rows per chunk of a CSV/TSV file with rows of <paramref name="width"/> features.</summary>
    public int ChunkRowsFor(ParseResult parse, int width) => parse.GetValue(ChunkRows) ?? RowSource.DefaultChunkRowsFor(width);

    public void AddTo(Command command, bool withLabel)
    {
        command.Add(Data);
        command.Add(Features);
        command.Add(Exclude);
        command.Add(Separator);
        if (withLabel)
        {
            command.Add(Label);
            command.Add(Labels);
        }
        command.Add(Colour);
        command.Add(ImageSize);
        command.Add(ChunkRows);
    }

    /// <summary>Reads all the data the command line names; <paramref name="model"/>'s features and shape, when given, are required of it.</summary>
    public DataSet Read(ParseResult parse, ToolModel? model = null)
    {
        using var rows = Open(parse, model);
        return rows.ReadAll();
    }

    /// <summary>Whether -d names a CSV/TSV file (which <see cref="Open"/> reads a chunk at a time) rather than IDX or images.</summary>
    public bool IsDelimitedFile(ParseResult parse)
    {
        string path = parse.GetRequiredValue(Data);
        return !Directory.Exists(path) && File.Exists(path) && !IsIdx(path);
    }

    /// <summary>
    /// Opens the data the command line names: a CSV/TSV file has its header read and checked against
    /// <paramref name="model"/> at once, its rows then a chunk at a time; IDX files and image folders are read whole.
    /// </summary>
    public RowSource Open(ParseResult parse, ToolModel? model = null)
    {
        string path = parse.GetRequiredValue(Data);
        RowSource rows;
        if (Directory.Exists(path))
        {
            // A model trained on images remembers their shape, as it remembers a CSV's columns: the next folder is read at
            // that size and in colour or gray alike, unless --image-size or --color say otherwise.
            int[]? shape = model?.Metadata?.ImageShape;
            bool colour = parse.GetResult(Colour) is { Implicit: false } ? parse.GetValue(Colour) : shape is [3, _, _];
            var size = ParseSize(parse.GetValue(ImageSize)) ?? (shape is [_, int height, int width] ? (width, height) : null);
            rows = RowSource.Of(ImageFolderReader.Read(path, colour, size));
        }
        else if (!File.Exists(path))
        {
            throw Missing(path);
        }
        else if (IsIdx(path))
        {
            rows = RowSource.Of(IdxFileReader.Read(path, parse.GetValue(Labels)));
        }
        else
        {
            var file = OpenDelimited(parse, model);
            rows = RowSource.Of(file, ChunkRowsFor(parse, file.FeatureNames.Count));
        }
        if (model != null && rows.Width != model.InputSize)
        {
            rows.Dispose();
            throw new InvalidDataException($"The model takes rows of {model.InputSize} features, but '{path}' gives {rows.Width}" +
                (model.Metadata == null ? "; choose them with --features." : "."));
        }
        return rows;
    }

    /// <summary>The CSV/TSV file -d names, opened at its first row, with the columns the command line (or the model) picks.</summary>
    public DelimitedFileReader OpenDelimited(ParseResult parse, ToolModel? model = null)
    {
        string? label = parse.GetResult(Label) != null ? parse.GetValue(Label) : null;
        string[]? features = List(parse.GetValue(Features));
        string[] exclude = List(parse.GetValue(Exclude)) ?? [];
        CheckFeatureLists(features, exclude);
        // A sequence detector knows its channels by name, and --features maps columns to them by position: the channels
        // named in another order would be scored swapped, silently, so that is refused.
        if (features != null && model?.Sequence is { } sequence && !features.SequenceEqual(sequence.ChannelColumnNames)
            && features.Order(StringComparer.Ordinal).SequenceEqual(sequence.ChannelColumnNames.Order(StringComparer.Ordinal)))
        {
            throw new UsageException($"--features names the detector's channels in another order; they map by position, so give them as " +
                $"trained, --features {string.Join(',', sequence.ChannelColumnNames)}, or leave --features out to match the columns by name.");
        }
        if (features == null && model?.Metadata != null && model.Metadata.ImageShape == null) features = model.Metadata.FeatureNames.ToArray();
        // A sequence detector another program saved names its channel columns itself.
        if (features == null && model?.Sequence != null) features = model.Sequence.ChannelColumnNames.ToArray();
        string path = parse.GetRequiredValue(Data);
        if (!File.Exists(path)) throw Missing(path);
        // A sequence detector scores a series with gaps as the library documents it: the gap's row +∞ and flagged.
        var reader = DelimitedFileReader.Open(path, ParseSeparator(parse.GetValue(Separator)), features, label, exclude);
        reader.ReadsGaps = model?.Sequence != null;
        return reader;
    }

    // Named as the user typed it, whichever way the file is opened (the runtime's message gives the full path).
    private static FileNotFoundException Missing(string path) => new($"The data file '{path}' does not exist.", path);

    private static bool IsIdx(string path) => Path.GetFileName(path).Contains("idx", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A column named twice in --features would be fed to the model twice, and one in both --features and --exclude leaves
    /// the user guessing which won: both are mistakes to name, not to resolve quietly.
    /// </summary>
    private static void CheckFeatureLists(string[]? features, string[] exclude)
    {
        if (features == null) return;
        if (features.GroupBy(f => f, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new UsageException($"--features names '{twice.Key}' twice.");
        if (features.FirstOrDefault(exclude.Contains) is { } both)
            throw new UsageException($"'{both}' is in both --features and --exclude: --features alone picks the columns.");
    }

    /// <summary>Comma-separated or repeated values as one list; null when none were given.</summary>
    private static string[]? List(string[]? values)
    {
        var all = values?.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
        return all is { Length: > 0 } ? all : null;
    }

    private static char? ParseSeparator(string? text) => text switch
    {
        null => null,
        "tab" or "\\t" or "\t" => '\t',
        { Length: 1 } => text[0],
        _ => throw new UsageException($"--separator takes one character or 'tab', not '{text}'."),
    };

    private static (int, int)? ParseSize(string? text)
    {
        if (text == null) return null;
        string[] parts = text.Split('x', 'X');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w) && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h) && w > 0 && h > 0)
            return (w, h);
        throw new UsageException($"--image-size takes WIDTHxHEIGHT, e.g. 28x28, not '{text}'.");
    }
}
