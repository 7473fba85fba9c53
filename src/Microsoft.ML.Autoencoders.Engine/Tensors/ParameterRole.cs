namespace Microsoft.ML.Autoencoders.Engine.Tensors;

/// <summary>What a parameter is for: penalties and tools ask this instead of asking which layer type holds it.</summary>
public enum ParameterRole
{
    /// <summary>A weight (a matrix or kernel that multiplies the input): L1/L2 weight penalties apply to it.</summary>
    Weight,
    /// <summary>A bias or another additive shift: weight penalties leave it alone, since it only moves activations.</summary>
    Bias,
}
