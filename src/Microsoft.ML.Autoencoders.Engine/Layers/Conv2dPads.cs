namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Zeros on each side of an image, for a convolution with <see cref="Conv2dPadding.Explicit"/> padding whose sides differ:
/// in ONNX's order (pads [top, left, bottom, right]: every axis's start, then every axis's end).
/// </summary>
public readonly record struct Conv2dPads(int Top, int Left, int Bottom, int Right);
