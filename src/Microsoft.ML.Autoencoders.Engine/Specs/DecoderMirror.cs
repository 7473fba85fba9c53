using Microsoft.ML.Autoencoders.Engine.Layers;

namespace Microsoft.ML.Autoencoders.Engine.Specs;

/// <summary>
/// Builds a decoder that mirrors an encoder, as the symmetric autoencoders of the literature do (784-256-64-256-784).
/// </summary>
/// <remarks>
/// The encoder is read as blocks: a layer that changes the shape or holds weights (dense, and later convolution or
/// pooling), followed by its element-wise layers (activation, dropout). The decoder takes the blocks in reverse: for
/// block k, the mirror image of its shaping layer (<see cref="LayerSpec.Mirror"/>: dense back to the block's input
/// width, a convolution's transpose, a pooling's upsampling), then the element-wise layers that followed block k − 1
/// in the encoder — the activation (and dropout) that produced the width it returns to — and, after the outermost
/// block, the output activation. Element-wise layers before the first shaping layer are not mirrored.
/// </remarks>
public static class DecoderMirror
{
    /// <summary>The decoder for <paramref name="resolvedEncoder"/> (named and shaped by <see cref="NetworkSpec.Resolve"/>).</summary>
    public static LayerSpec[] Mirror(IReadOnlyList<LayerSpec> resolvedEncoder, Activation outputActivation, bool tieWeights,
        float leakyReluSlope = ActivationSpec.DefaultSlope)
    {
        ArgumentNullException.ThrowIfNull(resolvedEncoder);
        var shaping = new List<LayerSpec>();
        var followers = new List<List<LayerSpec>>();
        foreach (var layer in resolvedEncoder)
        {
            if (layer.InputShape is null || layer.OutputShape is null || layer.Name is null)
                throw new ArgumentException("Resolve the encoder before mirroring it.", nameof(resolvedEncoder));
            if (!layer.IsElementwise)
            {
                shaping.Add(layer);
                followers.Add([]);
            }
            else if (shaping.Count > 0)
            {
                followers[^1].Add(layer);
            }
        }
        if (shaping.Count == 0)
            throw new ArgumentException("The encoder has only element-wise layers, so there is nothing to mirror: give it a dense (or other shaping) layer.");

        var decoder = new List<LayerSpec>();
        for (int k = shaping.Count - 1; k >= 0; k--)
        {
            LayerSpec mirror;
            try
            {
                mirror = shaping[k].Mirror(new MirrorContext(shaping[k], tieWeights));
            }
            catch (NotSupportedException e)
            {
                throw new ArgumentException($"The decoder cannot mirror layer {shaping[k].Describe()}: {e.Message}", e);
            }
            decoder.Add(Unresolved(mirror));
            if (k > 0) decoder.AddRange(followers[k - 1].Select(Unresolved));
            else if (outputActivation != Activation.Linear) decoder.Add(new ActivationSpec(outputActivation, leakyReluSlope));
        }
        return decoder.ToArray();
    }

    // A carried-over layer is a new layer of the decoder: it gets its own name and shapes when the network is resolved.
    private static LayerSpec Unresolved(LayerSpec layer) => layer with { Name = null, InputShape = null, OutputShape = null };
}
