using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Scoring;

/// <summary>Moves one input row, dense or sparse, into the engine's dense row.</summary>
internal static class InputRow
{
    public static void CopyDense(in VBuffer<float> row, Span<float> destination)
    {
        if (row.Length != destination.Length)
            throw new InvalidOperationException($"A row has {row.Length} values but the autoencoder expects {destination.Length}.");
        row.CopyTo(destination);
    }
}
