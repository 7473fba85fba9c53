namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>How a dense layer's weights are drawn before training.</summary>
public enum WeightInitialization
{
    /// <summary>Glorot/Xavier uniform: U(±√(6 / (fanIn + fanOut))); keeps variance for sigmoid, tanh and linear layers.</summary>
    XavierUniform,
    /// <summary>He/Kaiming uniform: U(±√(6 / fanIn)); keeps variance through ReLU-family layers, which zero half their inputs.</summary>
    HeUniform,
}

/// <summary>Draws initial weights.</summary>
public static class WeightInitializer
{
    /// <summary>The scheme suited to the activation that follows a layer.</summary>
    public static WeightInitialization For(Activation following) =>
        following is Activation.Relu or Activation.LeakyRelu ? WeightInitialization.HeUniform : WeightInitialization.XavierUniform;

    /// <summary>Fills <paramref name="weights"/> for a layer with the given fan-in and fan-out.</summary>
    public static void Fill(Span<float> weights, int fanIn, int fanOut, WeightInitialization scheme, SeededRandom random)
    {
        double limit = scheme switch
        {
            WeightInitialization.XavierUniform => Math.Sqrt(6.0 / (fanIn + fanOut)),
            WeightInitialization.HeUniform => Math.Sqrt(6.0 / fanIn),
            _ => throw new ArgumentOutOfRangeException(nameof(scheme)),
        };
        for (int i = 0; i < weights.Length; i++) weights[i] = random.NextFloat(-(float)limit, (float)limit);
    }
}
