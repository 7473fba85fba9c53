namespace Microsoft.ML.Autoencoders;

/// <summary>The nonlinearity applied after a layer.</summary>
public enum AutoencoderActivation
{
    /// <summary>No nonlinearity: f(z) = z.</summary>
    Linear,
    /// <summary>1 / (1 + e^-z), into (0, 1): the output activation for data scaled to [0, 1].</summary>
    Sigmoid,
    /// <summary>max(z, 0).</summary>
    Relu,
    /// <summary>z for z &gt; 0, slope·z otherwise (see <see cref="AutoencoderOptions.LeakyReluSlope"/>).</summary>
    LeakyRelu,
    /// <summary>tanh(z), into (-1, 1).</summary>
    Tanh,
}
