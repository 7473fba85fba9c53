namespace Microsoft.ML.Autoencoders;

/// <summary>How the network's weights are drawn before training (biases start at zero).</summary>
public enum AutoencoderWeightInitialization
{
    /// <summary>Xavier/Glorot uniform before sigmoid, tanh and linear layers, He/Kaiming uniform before ReLU-family ones.</summary>
    XavierOrHeByActivation,
    /// <summary>Xavier/Glorot uniform for every layer.</summary>
    XavierUniform,
    /// <summary>He/Kaiming uniform for every layer.</summary>
    HeUniform,
    /// <summary>U(±1/√fanIn), PyTorch's nn.Linear weight default: a smaller start that can reach a lower loss in long runs.</summary>
    FanInUniform,
}
