namespace Microsoft.ML.Autoencoders.Engine.Tests.Sequence;

/// <summary>
/// An LSTM written straight from its equations, one sample, one step and one unit at a time, in double precision: what
/// <see cref="Layers.Lstm"/> and <see cref="Layers.UnconditionedLstmDecoder"/> are held to. Weights [in, 4H], gates in
/// ONNX's block order: input, output, forget, cell.
/// </summary>
internal static class LstmReference
{
    /// <summary>
    /// Every hidden state [T, H] of one sample x [T, F] (F may be 0: no input), starting from <paramref name="hidden"/> and
    /// <paramref name="cell"/> [H] (updated in place), or from zeros when they are null.
    /// </summary>
    public static double[] HiddenStates(ReadOnlySpan<float> x, int steps, int features, int units,
        ReadOnlySpan<float> inputWeights, ReadOnlySpan<float> recurrentWeights, ReadOnlySpan<float> bias, double[]? hidden = null, double[]? cell = null)
    {
        var states = new double[steps * units];
        var h = hidden ?? new double[units];
        var c = cell ?? new double[units];
        var z = new double[4 * units];
        for (int t = 0; t < steps; t++)
        {
            for (int row = 0; row < 4 * units; row++)
            {
                double sum = bias[row];
                for (int k = 0; k < features; k++) sum += inputWeights[k * 4 * units + row] * (double)x[t * features + k];
                for (int k = 0; k < units; k++) sum += recurrentWeights[k * 4 * units + row] * h[k];
                z[row] = sum;
            }
            for (int j = 0; j < units; j++)
            {
                double input = Sigmoid(z[j]), output = Sigmoid(z[units + j]), forget = Sigmoid(z[2 * units + j]), candidate = Math.Tanh(z[3 * units + j]);
                c[j] = forget * c[j] + input * candidate;
                h[j] = output * Math.Tanh(c[j]);
                states[t * units + j] = h[j];
            }
        }
        return states;
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
}
