namespace Microsoft.ML.Autoencoders.Engine.Tests.Sequence;

/// <summary>
/// The GRU written straight from ONNX's equations with linear_before_reset = 1, one sample, one step and one unit at a
/// time, in double precision: what <see cref="Layers.Gru"/> and <see cref="Layers.UnconditionedGruDecoder"/> are held to.
/// Weights [in, 3H], gates in the order update, reset, candidate.
/// </summary>
internal static class GruReference
{
    /// <summary>
    /// Every hidden state [T, H] of one sample x [T, F] (F may be 0: the input side is then b_ih alone), starting from
    /// <paramref name="hidden"/> [H] (updated in place), or from zeros when it is null.
    /// </summary>
    public static double[] HiddenStates(ReadOnlySpan<float> x, int steps, int features, int units, ReadOnlySpan<float> inputWeights,
        ReadOnlySpan<float> recurrentWeights, ReadOnlySpan<float> inputBias, ReadOnlySpan<float> recurrentBias, double[]? hidden = null)
    {
        int width = 3 * units;
        var states = new double[steps * units];
        var h = hidden ?? new double[units];
        var gx = new double[width];
        var gh = new double[width];
        for (int t = 0; t < steps; t++)
        {
            for (int column = 0; column < width; column++)
            {
                double input = inputBias[column], state = recurrentBias[column];
                for (int k = 0; k < features; k++) input += inputWeights[k * width + column] * (double)x[t * features + k];
                for (int k = 0; k < units; k++) state += recurrentWeights[k * width + column] * h[k];
                gx[column] = input;
                gh[column] = state;
            }
            for (int j = 0; j < units; j++)
            {
                double update = Sigmoid(gx[j] + gh[j]), reset = Sigmoid(gx[units + j] + gh[units + j]);
                double candidate = Math.Tanh(gx[2 * units + j] + reset * gh[2 * units + j]);
                h[j] = (1 - update) * candidate + update * h[j];
                states[t * units + j] = h[j];
            }
        }
        return states;
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
}
