namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Zeros before (<paramref name="Left"/>) and after (<paramref name="Right"/>) a sequence, for a 1-D convolution with
/// <see cref="Conv2dPadding.Explicit"/> padding whose two ends differ (ONNX's pads [begin, end], PyTorch's
/// <c>F.pad(x, (left, right))</c>); for a transposed one, the values taken off its output's start and end.
/// </summary>
public readonly record struct Conv1dPads(int Left, int Right);
