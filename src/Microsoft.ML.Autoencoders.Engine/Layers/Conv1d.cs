using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A 1-D convolution over rows [C, L] (channels first, as ONNX and PyTorch store them), giving [F, Lo]:
/// y[f, o] = b[f] + Σ_c Σ_k W[f, c, k]·x[c, o·stride + k·dilation − padLeft]. In memory [C, L] is the image [C, 1, L], so the
/// layer is a <see cref="Conv2d"/> with a 1 × k kernel — its direct and im2col kernels, backward and initialization (fans
/// C·k and F·k, as Keras' Conv1D) — and only its ONNX form is its own: a 1-D Conv.
/// </summary>
/// <remarks>The 2-D convolution (<see cref="OneRowImageLayer{TPlane}.Plane"/>) holds weights [F, C, 1, k].</remarks>
public sealed class Conv1d : OneRowImageLayer<Conv2d>
{
    /// <summary>Creates the layer for rows [<paramref name="channels"/>, <paramref name="length"/>].</summary>
    public Conv1d(int channels, int length, int filters, int kernelSize, int stride, int dilation, int padLeft, int padRight,
        WeightInitialization initialization, string name = "conv1d")
        : base(new Conv2d(new ConvGeometry(channels, 1, length, 1, kernelSize, stride, dilation, 0, padLeft, 0, padRight), filters, initialization, name))
    {
    }

    /// <summary>C, the input channels.</summary>
    public int Channels => Plane.Geometry.Channels;

    /// <summary>L, the input length.</summary>
    public int Length => Plane.Geometry.Width;

    /// <summary>F, the output channels.</summary>
    public int Filters => Plane.Filters;

    /// <summary>Lo, the output length.</summary>
    public int OutputLength => Plane.Geometry.OutputWidth;

    /// <summary>Reshape to [N, C, L], a 1-D Conv (the weights read as [F, C, k]), Reshape back to flat rows.</summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        var g = Plane.Geometry;
        context.Graph.AddInitializer(Plane.Weights);
        context.Graph.AddInitializer(Plane.Bias);
        string sequence = OnnxShapes.Reshaped(context, context.Input, "sequence", -1, Channels, Length);
        string weights = OnnxShapes.Reshaped(context, Plane.Weights.Name, "kernel", Filters, Channels, g.KernelWidth);
        string convolved = context.Tensor("conv");
        context.AddNode("Conv", [sequence, weights, Plane.Bias.Name], [convolved],
            OnnxNodeAttribute.Ints("kernel_shape", g.KernelWidth),
            OnnxNodeAttribute.Ints("strides", g.Stride),
            OnnxNodeAttribute.Ints("dilations", g.Dilation),
            OnnxNodeAttribute.Ints("pads", g.PadLeft, g.PadRight));
        OnnxShapes.ToRows(context, convolved, OutputSize);
    }
}
