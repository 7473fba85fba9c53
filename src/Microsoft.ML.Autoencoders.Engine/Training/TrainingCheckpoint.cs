using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Engine.Training;

/// <summary>
/// Everything a training run needs to go on from where it stopped and end with the same bits as a run that never
/// stopped: the weights (buffers too), where the run is (epochs done, rows of the current epoch done and that epoch's
/// running sums), the rows' current order, the seeded generator behind shuffles, noise, dropout and sampling, the
/// optimizer's moments and step count, the schedule's and back-off's state, early stopping's bookkeeping and the
/// epochs' metrics. <see cref="AutoencoderTrainer"/> writes one every <see cref="TrainingOptions.CheckpointEveryEpochs"/>
/// epochs, at the end, and when cancelled; a new trainer given the same <see cref="TrainingOptions.CheckpointPath"/>
/// reads it and goes on.
/// </summary>
/// <remarks>
/// <para>The run's identity is <see cref="Configuration"/>: one "name: value" line per thing that changes the result
/// (the network, the starting weights, the data, every training option except the thread count, which the kernels
/// promise not to change the result). A checkpoint of another configuration is refused, naming the first line that
/// differs, instead of going on with weights that belong to another run.</para>
/// <para>The file, little-endian (version 1):</para>
/// <code>
/// "AECKPT\r\n"  magic (8 bytes; the CR LF catches text-mode mangling)
/// int32         format version
/// string        configuration (BinaryWriter's length-prefixed UTF-8)
/// int32         epochs done; int32 rows of the next epoch done (0: not begun, its rows not yet shuffled);
///               int32 batches of it done; float64 its loss sum; float64 its penalty sum
/// floats        the weights and buffers (each array: int32 length, then the elements)
/// bool, floats  the weights the current epoch began with (kept only when a diverging run may back off)
/// ints          the training rows in the order the current epoch visits them
/// float64       the untrained network's loss (the divergence guard's yardstick); int32 back-offs left
/// float64       best validation loss; int32 best epoch; int32 epochs without improvement; bool stopped early
/// bool, floats  the best epoch's weights (when they are kept)
/// int32, ...    the epochs' metrics: int32 epoch, float64 training loss, validation loss, seconds, penalty, float32 rate
/// int32, ...    the warnings (strings)
/// bytes         the generator's state, then the training step's (back-off scale, optimizer, schedule), as byte arrays
/// 32 bytes      SHA-256 of everything above
/// </code>
/// <para>Written to a temporary file beside the target, flushed to disk, then renamed over it: a run killed while
/// writing leaves the previous checkpoint whole.</para>
/// </remarks>
internal sealed class TrainingCheckpoint
{
    private static ReadOnlySpan<byte> Magic => "AECKPT\r\n"u8;
    private const int FormatVersion = 1;
    private const int ChecksumBytes = 32;

    public required string Configuration { get; init; }
    public int EpochsDone { get; init; }
    public int RowsDoneInEpoch { get; init; }
    public int BatchesDoneInEpoch { get; init; }
    public double EpochLossSum { get; init; }
    public double EpochPenaltySum { get; init; }
    public required float[] Weights { get; init; }
    public float[]? EpochStartWeights { get; init; }
    public required int[] TrainingOrder { get; init; }
    public double ReferenceLoss { get; init; }
    public int BackoffsLeft { get; init; }
    public double BestValidation { get; init; }
    public int BestEpoch { get; init; }
    public int EpochsWithoutImprovement { get; init; }
    public bool StoppedEarly { get; init; }
    public float[]? BestWeights { get; init; }
    public required IReadOnlyList<EpochMetrics> Epochs { get; init; }
    public required IReadOnlyList<string> Warnings { get; init; }
    public required byte[] RandomState { get; init; }
    public required byte[] StepState { get; init; }

    /// <summary>
    /// The lines that identify a run (see the remarks): to be taken before training changes <paramref name="network"/>'s
    /// weights. <paramref name="targets"/> is null when the inputs are their own targets.
    /// </summary>
    public static string Describe(AutoencoderNetwork network, TrainingOptions options, float[] inputs, float[]? targets, int rows)
    {
        int width = network.InputSize;
        // The components describe themselves with ToString, which formats numbers in the current culture: fix it, so a
        // checkpoint written under one culture is recognized under another.
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try
        {
            var lines = new StringBuilder();
            void Line(string name, object? value) => lines.Append(name).Append(": ").Append(value?.ToString() ?? "none").Append('\n');
            Line("network", network.Spec.ToJson());
            Line("starting weights SHA-256", Hash(network.Parameters.Values));
            Line("rows", rows);
            Line("row width", width);
            Line("inputs SHA-256", Hash(inputs.AsSpan(0, rows * width)));
            Line("targets SHA-256", targets == null ? "the inputs" : Hash(targets.AsSpan(0, rows * width)));
            Line("Epochs", options.Epochs);
            Line("BatchSize", options.BatchSize);
            Line("Loss", options.Loss);
            Line("Optimizer", options.Optimizer);
            Line("LearningRateSchedule", options.LearningRateSchedule == null ? null : $"{options.LearningRateSchedule.GetType().Name} {options.LearningRateSchedule}");
            Line("LearningRateBackoffs", options.LearningRateBackoffs);
            Line("GradientClipNorm", options.GradientClipNorm);
            Line("Seed", options.Seed);
            Line("Shuffle", options.Shuffle);
            Line("ValidationFraction", options.ValidationFraction);
            Line("EarlyStoppingPatience", options.EarlyStoppingPatience);
            Line("RestoreBestWeights", options.RestoreBestWeights);
            Line("Corruption", options.Corruption == null ? null : $"{options.Corruption.GetType().Name} {options.Corruption}");
            Line("CodeRegularizers", string.Join("; ", options.CodeRegularizers.Select(r => $"{r.GetType().Name} {r} at '{r.Node}'")));
            Line("L1WeightPenalty", options.L1WeightPenalty);
            Line("L2WeightPenalty", options.L2WeightPenalty);
            Line("TrimmedFraction", options.TrimmedFraction);
            Line("TrimAcrossTrainingSet", options.TrimAcrossTrainingSet);
            return lines.ToString();
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    private static string Hash<T>(ReadOnlySpan<T> values) where T : unmanaged => Convert.ToHexString(SHA256.HashData(MemoryMarshal.AsBytes(values)));

    /// <summary>Writes the checkpoint to <paramref name="path"/> atomically (temporary file, flush, rename).</summary>
    public void Write(string path)
    {
        using var content = new MemoryStream();
        using (var writer = new BinaryWriter(content, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(Configuration);
            writer.Write(EpochsDone);
            writer.Write(RowsDoneInEpoch);
            writer.Write(BatchesDoneInEpoch);
            writer.Write(EpochLossSum);
            writer.Write(EpochPenaltySum);
            writer.WriteArray<float>(Weights);
            WriteOptional(writer, EpochStartWeights);
            writer.WriteArray<int>(TrainingOrder);
            writer.Write(ReferenceLoss);
            writer.Write(BackoffsLeft);
            writer.Write(BestValidation);
            writer.Write(BestEpoch);
            writer.Write(EpochsWithoutImprovement);
            writer.Write(StoppedEarly);
            WriteOptional(writer, BestWeights);
            writer.Write(Epochs.Count);
            foreach (var epoch in Epochs)
            {
                writer.Write(epoch.Epoch);
                writer.Write(epoch.TrainingLoss);
                writer.Write(epoch.ValidationLoss);
                writer.Write(epoch.Seconds);
                writer.Write(epoch.Penalty);
                writer.Write(epoch.LearningRate);
            }
            writer.Write(Warnings.Count);
            foreach (string warning in Warnings) writer.Write(warning);
            writer.WriteArray<byte>(RandomState);
            writer.WriteArray<byte>(StepState);
        }
        byte[] checksum = SHA256.HashData(content.GetBuffer().AsSpan(0, (int)content.Length));
        content.Write(checksum);

        string fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        string temporary = fullPath + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(content.GetBuffer().AsSpan(0, (int)content.Length));
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, fullPath, overwrite: true);
    }

    private static void WriteOptional(BinaryWriter writer, float[]? values)
    {
        writer.Write(values != null);
        if (values != null) writer.WriteArray<float>(values);
    }

    /// <summary>
    /// Reads the checkpoint at <paramref name="path"/> for a run described by <paramref name="configuration"/>. Throws
    /// <see cref="InvalidDataException"/> when the file is damaged or not a checkpoint, and
    /// <see cref="InvalidOperationException"/> when it is the checkpoint of another configuration.
    /// </summary>
    public static TrainingCheckpoint Read(string path, string configuration)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < Magic.Length + ChecksumBytes || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new InvalidDataException($"'{path}' is not a training checkpoint (it does not begin with the checkpoint's magic bytes).");
        int contentLength = bytes.Length - ChecksumBytes;
        if (!SHA256.HashData(bytes.AsSpan(0, contentLength)).AsSpan().SequenceEqual(bytes.AsSpan(contentLength)))
            throw new InvalidDataException($"Training checkpoint '{path}' is damaged: its SHA-256 does not match its contents. Delete it to train from the start.");
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, Magic.Length, contentLength - Magic.Length), Encoding.UTF8);
            int version = reader.ReadInt32();
            if (version != FormatVersion)
                throw new InvalidDataException($"Training checkpoint '{path}' has format version {version}; this library reads version {FormatVersion}.");
            string written = reader.ReadString();
            if (written != configuration) throw new InvalidOperationException(MismatchMessage(path, written, configuration));
            return new TrainingCheckpoint
            {
                Configuration = written,
                EpochsDone = reader.ReadInt32(),
                RowsDoneInEpoch = reader.ReadInt32(),
                BatchesDoneInEpoch = reader.ReadInt32(),
                EpochLossSum = reader.ReadDouble(),
                EpochPenaltySum = reader.ReadDouble(),
                Weights = reader.ReadArray<float>("the weights"),
                EpochStartWeights = ReadOptional(reader, "the epoch's starting weights"),
                TrainingOrder = reader.ReadArray<int>("the row order"),
                ReferenceLoss = reader.ReadDouble(),
                BackoffsLeft = reader.ReadInt32(),
                BestValidation = reader.ReadDouble(),
                BestEpoch = reader.ReadInt32(),
                EpochsWithoutImprovement = reader.ReadInt32(),
                StoppedEarly = reader.ReadBoolean(),
                BestWeights = ReadOptional(reader, "the best epoch's weights"),
                Epochs = Enumerable.Range(0, ReadCount(reader)).Select(_ => new EpochMetrics(reader.ReadInt32(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble())
                {
                    Penalty = reader.ReadDouble(),
                    LearningRate = reader.ReadSingle(),
                }).ToList(),
                Warnings = Enumerable.Range(0, ReadCount(reader)).Select(_ => reader.ReadString()).ToList(),
                RandomState = reader.ReadArray<byte>("the generator's state"),
                StepState = reader.ReadArray<byte>("the optimizer's state"),
            };
        }
        catch (EndOfStreamException)
        {
            // Past the checksum, only a writer bug can get here; still an error about the file, not a crash.
            throw new InvalidDataException($"Training checkpoint '{path}' ends before its last field.");
        }
    }

    private static float[]? ReadOptional(BinaryReader reader, string what) => reader.ReadBoolean() ? reader.ReadArray<float>(what) : null;

    private static int ReadCount(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        if (count < 0 || count > reader.BaseStream.Length - reader.BaseStream.Position)
            throw new InvalidDataException($"The checkpoint claims {count} entries, more than it holds.");
        return count;
    }

    /// <summary>
    /// Names the first line of the run's identity that differs, with both values; a long line (the network's JSON) is
    /// shown from a little before where the two differ.
    /// </summary>
    private static string MismatchMessage(string path, string written, string expected)
    {
        string[] was = written.Split('\n'), now = expected.Split('\n');
        for (int i = 0; i < Math.Max(was.Length, now.Length); i++)
        {
            string before = i < was.Length ? was[i] : "", after = i < now.Length ? now[i] : "";
            if (before == after) continue;
            int name = Math.Max(0, before.IndexOf(": ", StringComparison.Ordinal));
            int from = Math.Max(name + 2, before.AsSpan().CommonPrefixLength(after) - 40);
            string label = before[..name];
            return $"Training checkpoint '{path}' belongs to another training run: its {label} is \"{Excerpt(before, from)}\" where this run's is "
                + $"\"{Excerpt(after, from)}\". Delete the file to train this configuration from the start, or set CheckpointPath to another file.";
        }
        throw new InvalidOperationException("The configurations differ but no line does."); // unreachable: the strings differ
    }

    private static string Excerpt(string line, int from)
    {
        const int Length = 120;
        if (from >= line.Length) return "";
        string text = line.Substring(from, Math.Min(Length, line.Length - from));
        return (from > 0 && line[from - 2] != ':' ? "..." : "") + text + (from + Length < line.Length ? "..." : "");
    }
}
