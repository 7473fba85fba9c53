using System.Globalization;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Refuses a network too large to train here before any of it is allocated, naming the size options and the memory it
/// would need: without it a hidden layer of a billion units fails inside a layer's constructor with an Int32 overflow,
/// and a huge code with a bare <see cref="OutOfMemoryException"/> after minutes of reading data.
/// </summary>
internal static class NetworkSizeCheck
{
    private const string SizeOptions = "HiddenLayerSizes or CodeSize (or the widths in EncoderLayers, DecoderLayers, ConvolutionBlocks or Sequence)";

    public static void Check(NetworkSpec spec, int batchSize)
    {
        long largest = TrainingMemory.LargestWeightMatrix(spec);
        if (largest > Array.MaxLength)
            throw new ArgumentException($"The network {Widths(spec)} has a weight matrix of {largest.ToString("N0", CultureInfo.InvariantCulture)} values, "
                + $"more than the largest array .NET can make ({Array.MaxLength.ToString("N0", CultureInfo.InvariantCulture)}): lower {SizeOptions}.", "options");
        long needed = TrainingMemory.EstimateBytes(spec, batchSize);
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available > 0 && needed > available)
            throw new ArgumentException($"The network {Widths(spec)} needs at least {Gigabytes(needed)} to train in batches of {batchSize} rows (its dense weights four "
                + $"times over, for values, gradients and the optimizer's moments, and each layer's activations), but this process can use {Gigabytes(available)}: "
                + $"lower {SizeOptions}, or BatchSize.", "options");
    }

    /// <summary>The node widths from input to reconstruction, e.g. "784 → 1000000000 → 32 → 1000000000 → 784".</summary>
    private static string Widths(NetworkSpec spec)
    {
        var widths = new List<int> { spec.InputShape.Size };
        foreach (var layer in spec.Layers)
            if (layer.OutputShape is { } shape && shape.Size != widths[^1]) widths.Add(shape.Size);
        return "(" + string.Join(" → ", widths) + ")";
    }

    private static string Gigabytes(long bytes) => (bytes / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + " GB";
}
