using Microsoft.ML.Autoencoders.Onnx.Protos;

namespace Microsoft.ML.Autoencoders.Onnx;

/// <summary>A graph input or output of an ONNX model: its name, element type and shape.</summary>
/// <param name="Name">The value's name.</param>
/// <param name="ElementType">The tensor element type (FLOAT for everything the library writes).</param>
/// <param name="Dimensions">
/// The shape, one entry per axis: the fixed size, or -1 where the size is symbolic (such as a batch
/// size "N") or left unknown.
/// </param>
internal sealed record OnnxValueInfo(string Name, TensorProto.Types.DataType ElementType, int[] Dimensions);
