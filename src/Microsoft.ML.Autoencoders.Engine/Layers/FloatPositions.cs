namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Positions within a row kept in a float scratch, as the max-pooling layers keep each window's maximum for backward: a
/// float holds every integer only below 2^24, so larger rows would route gradients to neighbouring inputs.
/// </summary>
internal static class FloatPositions
{
    /// <summary>Positions 0 … Limit − 1 are exact as floats.</summary>
    public const int Limit = 1 << 24;

    /// <summary>Refuses a row of <paramref name="inputSize"/> values, saying why and what the limit is.</summary>
    public static void RequireExact(long inputSize, string layer, string parameterName)
    {
        if (inputSize >= Limit)
            throw new ArgumentOutOfRangeException(parameterName, inputSize,
                $"{layer} keeps the position of each window's maximum as a float, exact only below 2^24 = {Limit:N0} values per row, and this input has {inputSize:N0}: pool a smaller input (fewer channels or a shorter row).");
    }
}
