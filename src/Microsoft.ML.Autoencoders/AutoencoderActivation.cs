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
    // The members below came later: appended, so every earlier member keeps its number.
    /// <summary>z for z &gt; 0, e^z − 1 otherwise (ELU with α = 1, PyTorch's and Keras' default), into (-1, ∞).</summary>
    Elu,
    /// <summary>ln(1 + e^z), a smooth ReLU into (0, ∞).</summary>
    Softplus,
    /// <summary>
    /// z·Φ(z), Φ the standard normal distribution function (the exact GELU of PyTorch's nn.GELU()). Not monotonic, so the
    /// contractive penalty cannot differentiate it (<see cref="AutoencoderOptions.ContractiveWeight"/>).
    /// </summary>
    Gelu,
    /// <summary>
    /// z·σ(z) (SiLU, also called Swish), into (−0.279, ∞). Not monotonic, so the contractive penalty cannot differentiate
    /// it (<see cref="AutoencoderOptions.ContractiveWeight"/>).
    /// </summary>
    Silu,
}
