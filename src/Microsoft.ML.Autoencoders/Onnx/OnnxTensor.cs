namespace Microsoft.ML.Autoencoders.Onnx;

/// <summary>A named constant tensor read from an ONNX model (a graph initializer).</summary>
/// <typeparam name="T">The element type: <see cref="float"/> or <see cref="long"/>.</typeparam>
/// <param name="Name">The initializer's name, as node inputs refer to it.</param>
/// <param name="Dimensions">Its shape; empty for a scalar.</param>
/// <param name="Values">Its elements, row-major; as many as the product of <paramref name="Dimensions"/>.</param>
internal sealed record OnnxTensor<T>(string Name, int[] Dimensions, T[] Values);
