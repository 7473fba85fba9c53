using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Models;

/// <summary>
/// What training a network needs in memory, worked out from its spec before anything is allocated, so an absurd size
/// (a hidden layer of a billion units, a code as wide as a screen of pixels per row) is refused with the figure rather
/// than failing half-built with an overflow or a bare <see cref="OutOfMemoryException"/>.
/// </summary>
/// <remarks>
/// A lower bound, counting what dominates: each dense weight matrix four times (values, gradients, Adam's two moments),
/// and every node's values and gradients for one batch. Convolution and recurrent weights are small beside their
/// activations, which are counted.
/// </remarks>
public static class TrainingMemory
{
    /// <summary>The bytes training <paramref name="spec"/> (resolved) in batches of <paramref name="batchSize"/> rows needs at least.</summary>
    public static long EstimateBytes(NetworkSpec spec, int batchSize) =>
        FixedBytes(spec) + BytesPerBatchRow(spec) * Math.Max(1, batchSize);

    /// <summary>
    /// The part of <see cref="EstimateBytes"/> that does not grow with the batch: each dense weight matrix four times
    /// (values, gradients and Adam's two moments).
    /// </summary>
    public static long FixedBytes(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return sizeof(float) * 4 * spec.Layers.Sum(Weights);
    }

    /// <summary>
    /// The part of <see cref="EstimateBytes"/> each row of a batch adds: every node's value and gradient, from the input
    /// to the reconstruction.
    /// </summary>
    public static long BytesPerBatchRow(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        long activations = spec.InputShape.Size + spec.Layers.Sum(layer => (long)(layer.OutputShape?.Size ?? 0));
        return sizeof(float) * 2 * activations;
    }

    /// <summary>The elements of the largest single weight matrix: one array, so it must fit .NET's largest array.</summary>
    public static long LargestWeightMatrix(NetworkSpec spec) => spec.Layers.Select(Weights).DefaultIfEmpty(0).Max();

    private static long Weights(LayerSpec layer) => layer switch
    {
        DenseSpec dense => (long)(layer.InputShape?.Size ?? 0) * dense.Units,
        TimeDistributedDenseSpec dense => (long)(layer.InputShape?.Dimensions[^1] ?? 0) * dense.Units,
        _ => 0,
    };
}
