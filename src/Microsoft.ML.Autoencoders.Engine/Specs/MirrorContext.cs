namespace Microsoft.ML.Autoencoders.Engine.Specs;

/// <summary>What an encoder layer's spec is told when asked for its mirror image in the decoder (<see cref="LayerSpec.Mirror"/>).</summary>
/// <param name="EncoderLayer">The resolved encoder layer being mirrored (its name and both shapes are set).</param>
/// <param name="TieWeights">True when the mirror should share the encoder layer's weights (transposed) instead of owning its own.</param>
public sealed record MirrorContext(LayerSpec EncoderLayer, bool TieWeights)
{
    /// <summary>The shape the mirror takes: the encoder layer's output.</summary>
    public TensorShape InputShape => EncoderLayer.OutputShape ?? throw new InvalidOperationException("Resolve the encoder before mirroring it.");

    /// <summary>The shape the mirror gives: the encoder layer's input.</summary>
    public TensorShape OutputShape => EncoderLayer.InputShape ?? throw new InvalidOperationException("Resolve the encoder before mirroring it.");
}
