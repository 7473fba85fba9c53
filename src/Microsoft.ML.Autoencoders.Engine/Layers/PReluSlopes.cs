namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>Which values of a row share a PReLU slope (<see cref="PReluSpec"/>).</summary>
public enum PReluSlopes
{
    /// <summary>
    /// One slope per position of the row's first axis: each feature of rows [F], each channel of images [C, H, W] and of
    /// sequences [C, L] (channels first, as the engine's convolutions lay them out). PyTorch's nn.PReLU(C), which applies
    /// its slopes along axis 1 of [N, C, ...].
    /// </summary>
    PerChannel,

    /// <summary>
    /// One slope per position of the row's last axis, shared by the steps: each feature of windows [T, F] (as the engine's
    /// recurrent and time-distributed layers lay them out). An ONNX slope of [F] over [N, T, F] broadcasts so; Keras'
    /// PReLU(shared_axes=[1]) over a sequence learns it.
    /// </summary>
    PerStepFeature,

    /// <summary>One slope for every value of the row: PyTorch's nn.PReLU().</summary>
    Shared,
}
