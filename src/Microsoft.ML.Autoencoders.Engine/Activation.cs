namespace Microsoft.ML.Autoencoders.Engine;

/// <summary>
/// The element-wise nonlinearities a layer can apply. It sits at the engine's root because both the kernels (fused
/// GEMM epilogues) and the layers name it, and kernels must not depend on layers.
/// </summary>
public enum Activation
{
    /// <summary>f(z) = z: no layer is added.</summary>
    Linear,
    /// <summary>f(z) = 1 / (1 + e^-z), into (0, 1).</summary>
    Sigmoid,
    /// <summary>f(z) = max(z, 0).</summary>
    Relu,
    /// <summary>f(z) = z for z &gt; 0, slope·z otherwise.</summary>
    LeakyRelu,
    /// <summary>f(z) = tanh(z), into (-1, 1).</summary>
    Tanh,
    /// <summary>f(z) = z for z &gt; 0, e^z − 1 otherwise (the exponential linear unit with α = 1, PyTorch's and Keras' default), into (-1, ∞).</summary>
    Elu,
    /// <summary>f(z) = ln(1 + e^z), a smooth ReLU into (0, ∞).</summary>
    Softplus,
    /// <summary>f(z) = z·Φ(z), Φ the standard normal distribution function (the exact, erf form of GELU, PyTorch's nn.GELU() default).</summary>
    Gelu,
    /// <summary>f(z) = z·σ(z) = z / (1 + e^-z) (SiLU, also called Swish), into (−0.279, ∞).</summary>
    Silu,
    /// <summary>
    /// f(z) = min(max(z, lower), upper): PyTorch's nn.ReLU6 (0, 6) and nn.Hardtanh (−1, 1 by default), ONNX's Clip. Its bounds
    /// are the layer's own (<see cref="Layers.ClippedLinearSpec"/>), so it has no <see cref="Layers.ActivationSpec"/> form.
    /// </summary>
    ClippedLinear,
}
