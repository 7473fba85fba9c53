namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Refuses binary cross-entropy on targets outside [0, 1] before training on them.
/// </summary>
/// <remarks>
/// The loss reads each target value t as a probability: −(t·log p + (1 − t)·log(1 − p)). For t outside [0, 1] it has no
/// minimum inside the output's range, so training pushes the outputs to the clamp or the sigmoid's ends and returns a
/// model whose loss looks finite and whose reconstructions and errors mean nothing, without a word (the divergence guard
/// only fires when the loss overflows). The variational autoencoder's default likelihood is this loss, so unscaled
/// tabular data reaches it easily.
/// </remarks>
internal static class BinaryCrossEntropyRange
{
    /// <summary>Throws <see cref="InvalidOperationException"/> when <paramref name="range"/> of column <paramref name="column"/> leaves [0, 1].</summary>
    /// <param name="options">The options; only a <see cref="AutoencoderLoss.BinaryCrossEntropy"/> loss is checked.</param>
    /// <param name="range">The [min, max] of the values the loss compares the output with (the targets, or the inputs when there are none).</param>
    /// <param name="column">The column those values come from.</param>
    public static void Check(AutoencoderOptions options, (float Min, float Max) range, string column)
    {
        if (options.Loss != AutoencoderLoss.BinaryCrossEntropy || (range.Min >= 0 && range.Max <= 1)) return;
        string which = options.Variational ? "a variational autoencoder's BinaryCrossEntropy likelihood (the default)" : "Loss = BinaryCrossEntropy";
        string instead = options.Variational ? "likelihood: AutoencoderLoss.MeanSquaredError (Loss on the options)" : "Loss = AutoencoderLoss.MeanSquaredError";
        throw new InvalidOperationException(
            $"{char.ToUpperInvariant(which[0])}{which[1..]} reads each value as a probability, so it needs data in [0, 1], but column '{column}' holds " +
            $"values from {range.Min.ToString(System.Globalization.CultureInfo.InvariantCulture)} to {range.Max.ToString(System.Globalization.CultureInfo.InvariantCulture)}. Scale the column into [0, 1] first (mlContext.Transforms.NormalizeMinMax(\"{column}\", fixZero: false); " +
            "with fixZero left true, values below zero land in [-1, 0]), " +
            $"or use {instead}.");
    }
}
