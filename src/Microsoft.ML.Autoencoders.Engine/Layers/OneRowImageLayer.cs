using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A 1-D layer computed by a 2-D one over one-row images: a row [C, L] is the image [C, 1, L] in memory, so everything but
/// the ONNX form — sizes, parameters, initialization, forward, backward — is the 2-D layer's (<see cref="Conv1d"/>,
/// <see cref="ConvTranspose1d"/>). Each subclass writes its own 1-D ONNX node.
/// </summary>
/// <typeparam name="TPlane">The 2-D layer that computes it.</typeparam>
public abstract class OneRowImageLayer<TPlane>(TPlane plane) : Layer where TPlane : Layer
{
    private readonly TPlane _plane = plane;

    /// <summary>The 2-D layer of one-row images that computes this layer.</summary>
    public TPlane Plane => _plane;

    /// <inheritdoc/>
    public override int InputSize => _plane.InputSize;

    /// <inheritdoc/>
    public override int OutputSize => _plane.OutputSize;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _plane.Parameters;

    /// <inheritdoc/>
    public override int ScratchSizePerSample => _plane.ScratchSizePerSample;

    /// <inheritdoc/>
    internal override bool CanOverwriteInputGradient => _plane.CanOverwriteInputGradient;

    /// <inheritdoc/>
    internal override bool CanOverwriteParameterGradients => _plane.CanOverwriteParameterGradients;

    /// <inheritdoc/>
    public override void Initialize(SeededRandom random) => _plane.Initialize(random);

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context) =>
        _plane.Forward(x, y, scratch, batch, context);

    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context) =>
        _plane.Backward(x, y, dy, dx, scratch, batch, context);
}
