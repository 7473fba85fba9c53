using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// An autoencoder made elsewhere (PyTorch, Keras, scikit-learn's converters, or by hand) as an ONNX graph, scored
/// through ONNX Runtime's C# API in batches: the graph's input, its reconstruction output and, when it has one, its
/// code output. The array counterpart of <see cref="AutoencoderModel"/>; <see cref="OnnxAutoencoderTransformer"/> puts
/// it in an ML.NET pipeline.
/// </summary>
/// <remarks>
/// ONNX Runtime sessions may run concurrently, so one model serves every cursor of a transformer. Dispose it (or the
/// transformer) to free the native session at once rather than at finalization.
/// </remarks>
public sealed class OnnxAutoencoderModel : IDisposable
{
    /// <summary>Rows per ONNX Runtime run when the graph takes batches (see <see cref="ScoresInBatches"/>).</summary>
    public const int MaxBatchRows = 1024;

    private readonly InferenceSession _session;
    private readonly byte[] _onnx;

    private OnnxAutoencoderModel(byte[] onnx, InferenceSession session, OnnxGraphBinding binding, int threads, int? requestedThreads)
    {
        _onnx = onnx;
        _session = session;
        Binding = binding;
        NumberOfThreads = threads;
        RequestedThreads = requestedThreads;
    }

    /// <summary>Loads the graph in <paramref name="modelPath"/> and checks the named tensors (see the overload that takes the bytes).</summary>
    public static OnnxAutoencoderModel Load(string modelPath, string graphInputName, string reconstructionOutputName,
        string? codeOutputName = null, int[]? inputShape = null, int? numberOfThreads = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        return Load(File.ReadAllBytes(modelPath), graphInputName, reconstructionOutputName, codeOutputName, inputShape, numberOfThreads);
    }

    /// <summary>
    /// Loads an ONNX graph and checks that <paramref name="graphInputName"/> is its one float input and
    /// <paramref name="reconstructionOutputName"/> a float output with the input's per-row size; errors list the inputs or
    /// outputs the graph has.
    /// </summary>
    /// <param name="onnx">The .onnx file's bytes.</param>
    /// <param name="graphInputName">The graph input the rows go to.</param>
    /// <param name="reconstructionOutputName">The graph output that reconstructs the input.</param>
    /// <param name="codeOutputName">The graph output holding the code (bottleneck), or null when the graph has none.</param>
    /// <param name="inputShape">
    /// The per-row input shape, only for a graph that leaves it open (e.g. [N, ?]); or, for an input [B, ...] with a fixed
    /// B &gt; 1, the shape after B to read B as the batch (or the whole shape to read the tensor as one row) whatever a run
    /// shows. Without it, such an input is the batch when runs at load show the graph scores its B slices apart; an
    /// estimator's Fit then lets the column's width decide.
    /// </param>
    /// <param name="numberOfThreads">ONNX Runtime's intra-op threads; null for one per processor.</param>
    public static OnnxAutoencoderModel Load(byte[] onnx, string graphInputName, string reconstructionOutputName,
        string? codeOutputName = null, int[]? inputShape = null, int? numberOfThreads = null)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        ArgumentException.ThrowIfNullOrWhiteSpace(graphInputName);
        ArgumentException.ThrowIfNullOrWhiteSpace(reconstructionOutputName);
        if (numberOfThreads is < 1) throw new ArgumentOutOfRangeException(nameof(numberOfThreads), numberOfThreads, "NumberOfThreads must be at least 1, or null for one per processor.");
        int threads = numberOfThreads ?? Environment.ProcessorCount;
        InferenceSession session;
        using (var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 })
        {
            try
            {
                session = new InferenceSession(onnx, options);
            }
            catch (OnnxRuntimeException e)
            {
                throw new InvalidDataException($"ONNX Runtime cannot load the model: {e.Message}", e);
            }
        }
        try
        {
            var binding = OnnxGraphBinding.Bind(session, graphInputName, reconstructionOutputName, string.IsNullOrWhiteSpace(codeOutputName) ? null : codeOutputName, inputShape);
            return new OnnxAutoencoderModel(onnx, session, binding, threads, numberOfThreads);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    internal OnnxGraphBinding Binding { get; }

    /// <summary>The graph input the rows go to.</summary>
    public string GraphInputName => Binding.InputName;

    /// <summary>The graph output that reconstructs the input.</summary>
    public string ReconstructionOutputName => Binding.ReconstructionName;

    /// <summary>The graph output holding the code, or null.</summary>
    public string? CodeOutputName => Binding.CodeName;

    /// <summary>The per-row input shape, e.g. [784] or [1, 28, 28].</summary>
    public IReadOnlyList<int> InputShape => Binding.RowShape;

    /// <summary>Values per input row.</summary>
    public int InputSize => Binding.InputSize;

    /// <summary>Values per code row; 0 when the graph has no code output.</summary>
    public int CodeSize => Binding.CodeSize;

    /// <summary>
    /// True when the graph takes many rows in one run (its input leads with a free batch axis); false for a graph whose
    /// runs take a fixed number of rows (<see cref="FixedBatchSize"/>).
    /// </summary>
    public bool ScoresInBatches => Binding.AcceptsBatches;

    /// <summary>
    /// The rows every run takes when the graph fixes them: 1 for [1, d] or an input without a batch axis, B for a graph
    /// exported from a dummy batch of B rows ([B, d], torch.onnx.export without dynamic_axes) read as the batch (it scores
    /// its rows apart, or InputShape = [d] said so), 1 again for such a graph read as one row of the whole tensor (a column
    /// of B·d values at Fit, or InputShape = [B, d]); null when the graph takes any number (<see cref="ScoresInBatches"/>). Rows then run in groups of exactly this size,
    /// the last group filled up with rows of zeros whose outputs are dropped, so any number of rows scores.
    /// </summary>
    public int? FixedBatchSize => ScoresInBatches ? null : Binding.FixedBatchSize;

    /// <summary>ONNX Runtime's intra-op threads.</summary>
    public int NumberOfThreads { get; }

    /// <summary>The threads the user asked for, or null for one per processor: what a saved model records, so it takes the
    /// loading machine's processors rather than the saving machine's.</summary>
    internal int? RequestedThreads { get; }

    /// <summary>The rows <see cref="RunAll"/> hands <see cref="Run"/> at a time: <see cref="MaxBatchRows"/>, or the graph's fixed batch.</summary>
    private int RowsPerRun => ScoresInBatches ? MaxBatchRows : Binding.FixedBatchSize;

    /// <summary>
    /// This model for an input column of <paramref name="size"/> values per row. For a fixed batch [B, d] read as the batch
    /// without InputShape, a column of B·d values reads the whole tensor as one row, as before the batch reading: the same
    /// session, bound anew (disposing either model frees it, as with two transformers fitted by one estimator).
    /// </summary>
    internal OnnxAutoencoderModel ReadingForWidth(int size)
    {
        var binding = Binding.ReadingForWidth(size);
        return ReferenceEquals(binding, Binding) ? this : new OnnxAutoencoderModel(_onnx, _session, binding, NumberOfThreads, RequestedThreads);
    }

    /// <summary><see cref="ReadingForWidth"/> for column <paramref name="column"/>, or an error naming the sizes the graph takes.</summary>
    internal OnnxAutoencoderModel ForColumnOf(string column, int size)
    {
        var model = ReadingForWidth(size);
        model.Binding.CheckColumnSize(column, size);
        return model;
    }

    /// <summary>How many times ONNX Runtime has run this graph: tests read it to prove that cursors batch.</summary>
    internal long Runs => Interlocked.Read(ref _runs);

    private long _runs;

    /// <summary>The graph's bytes, as loaded (what a saved model embeds).</summary>
    internal byte[] OnnxBytes => _onnx;

    /// <summary>Reconstructs <paramref name="rows"/> rows of <paramref name="inputs"/> ([rows, InputSize]).</summary>
    public float[] Reconstruct(ReadOnlySpan<float> inputs, int rows)
    {
        var result = new float[Checked(inputs, rows) * InputSize];
        RunAll(inputs, rows, result, code: null);
        return result;
    }

    /// <summary>Encodes <paramref name="rows"/> rows of <paramref name="inputs"/> into codes ([rows, CodeSize]); needs a code output.</summary>
    public float[] Encode(ReadOnlySpan<float> inputs, int rows)
    {
        if (CodeOutputName is null)
            throw new InvalidOperationException("This graph was imported without a code output; name it with CodeOutputName to read codes.");
        var result = new float[Checked(inputs, rows) * CodeSize];
        RunAll(inputs, rows, reconstruction: null, result);
        return result;
    }

    /// <summary>The mean squared reconstruction error of each of <paramref name="rows"/> rows.</summary>
    public float[] ReconstructionErrors(ReadOnlySpan<float> inputs, int rows)
    {
        float[] reconstruction = Reconstruct(inputs, rows);
        var errors = new float[rows];
        for (int r = 0; r < rows; r++)
            errors[r] = ReconstructionError.MeanSquared(inputs.Slice(r * InputSize, InputSize), reconstruction.AsSpan(r * InputSize, InputSize));
        return errors;
    }

    private int Checked(ReadOnlySpan<float> inputs, int rows)
    {
        if (rows < 0 || inputs.Length < (long)rows * InputSize)
            throw new ArgumentException($"Expected {rows} rows of {InputSize} values but got {inputs.Length} values.", nameof(inputs));
        return rows;
    }

    private void RunAll(ReadOnlySpan<float> inputs, int rows, float[]? reconstruction, float[]? code)
    {
        var batch = new float[Math.Min(Math.Max(rows, 1), RowsPerRun) * InputSize];
        for (int start = 0; start < rows; start += RowsPerRun)
        {
            int count = Math.Min(RowsPerRun, rows - start);
            inputs.Slice(start * InputSize, count * InputSize).CopyTo(batch);
            Run(batch, count,
                reconstruction is null ? default : reconstruction.AsSpan(start * InputSize, count * InputSize),
                code is null ? default : code.AsSpan(start * CodeSize, count * CodeSize));
        }
    }

    /// <summary>
    /// Runs the graph on the first <paramref name="rows"/> rows of <paramref name="input"/> (any number; a graph with a fixed
    /// batch is run on groups of exactly that many) and copies the outputs asked for (non-empty spans) out of ONNX Runtime's buffers.
    /// </summary>
    internal void Run(float[] input, int rows, Span<float> reconstruction, Span<float> code)
    {
        if (rows == 0 || (reconstruction.IsEmpty && code.IsEmpty)) return;
        int group = Binding.FixedBatchSize;
        if (ScoresInBatches || rows == group)
        {
            RunOnce(input, rows, reconstruction, code);
            return;
        }
        // The graph takes exactly `group` rows a run: the rows go in groups of that size, the last one filled up with rows
        // of zeros (which Bind ran the graph on), and only the real rows' outputs are kept. The graph scores its rows apart
        // (the probe checked, or InputShape said so), so the filling changes nothing.
        var groupInput = new float[group * InputSize];
        var groupReconstruction = reconstruction.IsEmpty ? null : new float[group * InputSize];
        var groupCode = code.IsEmpty ? null : new float[group * CodeSize];
        for (int start = 0; start < rows; start += group)
        {
            int count = Math.Min(group, rows - start);
            input.AsSpan(start * InputSize, count * InputSize).CopyTo(groupInput);
            groupInput.AsSpan(count * InputSize).Clear();
            RunOnce(groupInput, group, groupReconstruction, groupCode);
            groupReconstruction?.AsSpan(0, count * InputSize).CopyTo(reconstruction.Slice(start * InputSize));
            groupCode?.AsSpan(0, count * CodeSize).CopyTo(code.Slice(start * CodeSize));
        }
    }

    /// <summary>One ONNX Runtime run on <paramref name="rows"/> rows: any number for a graph that batches, else its fixed batch.</summary>
    private void RunOnce(float[] input, int rows, Span<float> reconstruction, Span<float> code)
    {
        bool wantCode = !code.IsEmpty, wantReconstruction = !reconstruction.IsEmpty;
        var outputs = new List<string>(2);
        if (wantReconstruction) outputs.Add(ReconstructionOutputName);
        if (wantCode) outputs.Add(CodeOutputName!);
        using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input.AsMemory(0, rows * InputSize), Binding.InputTensorShape(rows));
        using var options = new RunOptions();
        using var results = _session.Run(options, [GraphInputName], [value], outputs);
        Interlocked.Increment(ref _runs);
        int next = 0;
        if (wantReconstruction) CopyOut(results[next++], reconstruction, rows * InputSize, ReconstructionOutputName);
        if (wantCode) CopyOut(results[next], code, rows * CodeSize, CodeOutputName!);
    }

    private static void CopyOut(OrtValue value, Span<float> destination, int expected, string name)
    {
        var data = value.GetTensorDataAsSpan<float>();
        if (data.Length != expected)
            throw new InvalidOperationException($"Graph output '{name}' gave {data.Length} values where {expected} were expected: its size depends on the values of the input, which an autoencoder's may not.");
        data.CopyTo(destination);
    }

    /// <summary>Frees the ONNX Runtime session.</summary>
    public void Dispose() => _session.Dispose();
}
