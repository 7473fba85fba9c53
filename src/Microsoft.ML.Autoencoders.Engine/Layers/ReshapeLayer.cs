using System.Numerics.Tensors;
using Microsoft.ML.Autoencoders.Engine.Export;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A change of a row's shape that leaves its values where they are (rows are stored flat and row-major): forward copies,
/// backward passes the gradient through. It is what <see cref="FlattenSpec"/> and <see cref="ReshapeSpec"/> build.
/// </summary>
public sealed class ReshapeLayer : Layer
{
    /// <summary>Creates the layer for rows of <paramref name="size"/> values.</summary>
    public ReshapeLayer(int size)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size));
        Size = size;
    }

    /// <summary>Values per row, in and out.</summary>
    public int Size { get; }

    /// <inheritdoc/>
    public override int InputSize => Size;

    /// <inheritdoc/>
    public override int OutputSize => Size;

    /// <inheritdoc/>
    internal override bool CanOverwriteInputGradient => true;

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context) =>
        x.Slice(0, batch * Size).CopyTo(y);

    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        if (dx.IsEmpty) return;
        int n = batch * Size;
        if (context.OverwriteInputGradient) dy.Slice(0, n).CopyTo(dx);
        else TensorPrimitives.Add(dx.Slice(0, n), dy.Slice(0, n), dx.Slice(0, n));
    }

    /// <summary>
    /// An Identity node: between layers the exported graph holds rows flat ([N, size]), so a new per-row shape changes no
    /// bytes; a layer that needs the shaped tensor reshapes at its own input.
    /// </summary>
    public override void ExportOnnx(LayerExportContext context) => context.AddNode("Identity", [context.Input], [context.Output]);

    /// <inheritdoc/>
    public override void PushTangent(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scratch,
        ReadOnlySpan<float> tangentIn, Span<float> tangentOut, int batch, in LayerContext context) =>
        tangentIn.Slice(0, batch * Size).CopyTo(tangentOut);

    /// <inheritdoc/>
    public override void PullTangentGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scratch,
        ReadOnlySpan<float> tangentIn, ReadOnlySpan<float> tangentOutGradient, Span<float> tangentInGradient, Span<float> outputGradient,
        int batch, in LayerContext context)
    {
        if (!tangentInGradient.IsEmpty) tangentOutGradient.Slice(0, batch * Size).CopyTo(tangentInGradient);
    }
}
