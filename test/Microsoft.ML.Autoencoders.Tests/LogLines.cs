using Microsoft.ML.Runtime;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>What an <see cref="MLContext"/>'s <c>Log</c> event carried from this library's training channel: the lines a user subscribed to it sees.</summary>
internal sealed class LogLines
{
    private readonly List<(ChannelMessageKind Kind, string Line)> _lines = [];

    public LogLines(MLContext mlContext, string source = "Autoencoders; Fit") => mlContext.Log += (_, e) =>
    {
        if (e.Source != source) return;
        lock (_lines) _lines.Add((e.Kind, e.RawMessage));
    };

    public IReadOnlyList<string> Info => Of(ChannelMessageKind.Info);

    public IReadOnlyList<string> Warnings => Of(ChannelMessageKind.Warning);

    /// <summary>The per-epoch lines.</summary>
    public IReadOnlyList<string> Epochs => Info.Where(l => l.StartsWith("Epoch ", StringComparison.Ordinal)).ToList();

    private List<string> Of(ChannelMessageKind kind)
    {
        lock (_lines) return _lines.Where(l => l.Kind == kind).Select(l => l.Line).ToList();
    }
}
