namespace Microsoft.ML.Autoencoders.Engine.Tensors;

/// <summary>What a parameter is for: penalties and tools ask this instead of asking which layer type holds it.</summary>
public enum ParameterRole
{
    /// <summary>A weight (a matrix or kernel that multiplies the input): L1/L2 weight penalties apply to it.</summary>
    Weight,
    /// <summary>A bias or another additive shift: weight penalties leave it alone, since it only moves activations.</summary>
    Bias,
    /// <summary>
    /// A per-channel gain (a normalization's γ). It is learned like a weight, but it mixes no inputs: it only rescales
    /// what the layer has just normalized, so shrinking it toward zero (an L1/L2 weight penalty) would fight the
    /// normalization rather than simplify the model. Weight penalties leave it alone, as Keras' BatchNormalization leaves
    /// gamma unregularized by default. The optimizer's own weight decay still reaches it, as it reaches biases.
    /// </summary>
    Scale,
    /// <summary>
    /// State a layer keeps and updates itself rather than learns (batch norm's running mean and variance; PyTorch calls
    /// these buffers). It is saved and loaded with the model like any parameter, but it is not trainable: the store lays it
    /// out after every trainable parameter (<see cref="ParameterStore.TrainableCount"/>), so the optimizer never steps it,
    /// no gradient reaches it, and no penalty reads it.
    /// </summary>
    Buffer,
    /// <summary>
    /// An activation's learned slope (a PReLU's negative-side slope). Like <see cref="Scale"/> it mixes no inputs, and an
    /// L1/L2 weight penalty pulling it toward 0 would turn the PReLU into a ReLU rather than simplify the model, so weight
    /// penalties leave it alone: Keras gives PReLU an alpha_regularizer of its own, none by default, and PyTorch has no
    /// penalty on it but the optimizer's weight decay. That decay still reaches it here, as PyTorch's weight_decay reaches
    /// every parameter it is given (PyTorch's docs advise against decaying PReLU slopes, which is the caller's choice).
    /// Added last, so the roles before it keep the numbers they were released with.
    /// </summary>
    Slope,
}
