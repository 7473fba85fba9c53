using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace OnnxServing;

/// <summary>
/// Serves an exported file with ONNX Runtime's C# API and nothing else, as a service without ML.NET would: one
/// <see cref="InferenceSession"/>, the rows fed in batches straight from a flat array (each batch's tensor is a view of
/// it, not a copy), and every requested output gathered into one flat array.
/// </summary>
internal sealed class BatchedOnnxScorer : IDisposable
{
    /// <summary>The detector files' optional scalar input that overrides the trained threshold.</summary>
    public const string ThresholdInputName = "threshold";

    private readonly InferenceSession session;
    private readonly string inputName;

    /// <param name="path">The .onnx file.</param>
    /// <param name="inputName">The rows' input, [N, width]: <c>input</c> in the library's own files, the raw column's name in a pipeline file.</param>
    public BatchedOnnxScorer(string path, string inputName)
    {
        // Warnings off: ONNX Runtime warns that the detector's threshold is an initializer that is also an input, which is
        // the point of it (an overridable default), and would print that for every session.
        using var sessionOptions = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        session = new InferenceSession(path, sessionOptions);
        this.inputName = inputName;
        // The first axis is the symbolic batch axis N; the last is the row's width.
        Width = checked((int)session.InputMetadata[inputName].Dimensions[^1]);
    }

    /// <summary>Values per row of the input.</summary>
    public int Width { get; }

    /// <summary>The graph's inputs, as ONNX Runtime lists them.</summary>
    public IEnumerable<string> InputNames => session.InputMetadata.Keys;

    /// <summary>
    /// Runs the first <paramref name="count"/> rows of <paramref name="rows"/> through the graph, <paramref name="batchSize"/>
    /// rows per run, and returns each of <paramref name="outputNames"/> over all rows: a float[] or, for a bool tensor (the
    /// detector's <c>label</c>), a bool[], row after row. <paramref name="threshold"/>, when given, feeds the
    /// <see cref="ThresholdInputName"/> input.
    /// </summary>
    public IReadOnlyDictionary<string, Array> Run(float[] rows, int count, int batchSize, IReadOnlyList<string> outputNames, float? threshold = null)
    {
        var gathered = new Dictionary<string, Array>();
        using var runOptions = new RunOptions();
        using OrtValue? thresholdValue = threshold is float value ? OrtValue.CreateTensorValueFromMemory(new[] { value }, []) : null;
        string[] inputNames = thresholdValue is null ? [inputName] : [inputName, ThresholdInputName];
        for (int start = 0; start < count; start += batchSize)
        {
            int n = Math.Min(batchSize, count - start);
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, rows.AsMemory(start * Width, n * Width), [n, Width]);
            OrtValue[] inputs = thresholdValue is null ? [input] : [input, thresholdValue];
            using var results = session.Run(runOptions, inputNames, inputs, outputNames);
            for (int o = 0; o < outputNames.Count; o++)
            {
                if (results[o].GetTensorTypeAndShape().ElementDataType == TensorElementType.Bool)
                    Gather(gathered, outputNames[o], results[o].GetTensorDataAsSpan<bool>(), start, n, count);
                else
                    Gather(gathered, outputNames[o], results[o].GetTensorDataAsSpan<float>(), start, n, count);
            }
        }
        return gathered;
    }

    /// <summary>Copies one batch's values of an output to their rows' place in the output's array, made at the first batch.</summary>
    private static void Gather<T>(Dictionary<string, Array> gathered, string name, ReadOnlySpan<T> batch, int start, int n, int count)
    {
        int perRow = batch.Length / n;
        if (!gathered.TryGetValue(name, out Array? all)) gathered[name] = all = new T[count * perRow];
        batch.CopyTo(((T[])all).AsSpan(start * perRow));
    }

    public void Dispose() => session.Dispose();
}
