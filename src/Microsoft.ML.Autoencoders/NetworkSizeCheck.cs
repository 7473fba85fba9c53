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

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="spec"/> cannot be trained here in batches of <paramref name="batchSize"/> rows.</summary>
    /// <param name="spec">The resolved network.</param>
    /// <param name="batchSize">Rows per gradient step.</param>
    /// <param name="inputSizeKnown">
    /// False when <paramref name="spec"/> was built on a placeholder input width (the estimator's constructor, before the
    /// data says the width): the message then names the input rather than printing the placeholder as if it were the data's.
    /// </param>
    public static void Check(NetworkSpec spec, int batchSize, bool inputSizeKnown = true)
    {
        long largest = TrainingMemory.LargestWeightMatrix(spec);
        if (largest > Array.MaxLength)
            throw new ArgumentException($"The network {Widths(spec, inputSizeKnown)} has a weight matrix of {largest.ToString("N0", CultureInfo.InvariantCulture)} values, "
                + $"more than the largest array .NET can make ({Array.MaxLength.ToString("N0", CultureInfo.InvariantCulture)}): lower {SizeOptions}.", "options");
        long needed = TrainingMemory.EstimateBytes(spec, batchSize);
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available <= 0 || needed <= available) return;
        // When the fixed part (the weights) fits, the batch is what does not, and the message says so with the largest
        // batch that would fit.
        long perRow = TrainingMemory.BytesPerBatchRow(spec);
        long fixedPart = TrainingMemory.FixedBytes(spec);
        long fittingRows = perRow > 0 ? (available - fixedPart) / perRow : 0;
        string remedy = fittingRows < 1 ? $"lower {SizeOptions}, or BatchSize"
            : inputSizeKnown ? $"lower BatchSize (batches of up to {fittingRows.ToString("N0", CultureInfo.InvariantCulture)} rows fit), or lower {SizeOptions}"
            : $"lower BatchSize, or lower {SizeOptions}";
        throw new ArgumentException($"The network {Widths(spec, inputSizeKnown)} needs at least {Gigabytes(needed)} to train in batches of {batchSize} rows (its dense weights four "
            + $"times over, for values, gradients and the optimizer's moments, and each layer's activations), but this process can use {Gigabytes(available)}: "
            + $"{remedy}.", "options");
    }

    /// <summary>
    /// The node widths from input to reconstruction, e.g. "(784 → 1000000000 → 32 → 1000000000 → 784)", or with "input" at
    /// both ends when the input width is a placeholder.
    /// </summary>
    private static string Widths(NetworkSpec spec, bool inputSizeKnown)
    {
        var widths = new List<int> { spec.InputShape.Size };
        foreach (var layer in spec.Layers)
            if (layer.OutputShape is { } shape && shape.Size != widths[^1]) widths.Add(shape.Size);
        var labels = widths.Select(w => w.ToString(CultureInfo.InvariantCulture)).ToList();
        if (!inputSizeKnown)
        {
            labels[0] = "input";
            if (labels.Count > 1 && widths[^1] == spec.InputShape.Size) labels[^1] = "input";
        }
        return "(" + string.Join(" → ", labels) + ")";
    }

    private static string Gigabytes(long bytes) => (bytes / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + " GB";
}
