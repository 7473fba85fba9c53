using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A 1-D transposed convolution over rows [C, L], giving [F, Lo]: every input value x[c, i] adds W[c, f, k]·x[c, i] to
/// y[f, i·stride + k·dilation − padLeft], plus b[f]. It is a <see cref="ConvTranspose2d"/> over one-row images with a 1 × k
/// kernel (its kernels, backward and initialization, as Keras' Conv1DTranspose); only its ONNX form is its own, a 1-D
/// ConvTranspose.
/// </summary>
/// <remarks>The 2-D transposed convolution (<see cref="OneRowImageLayer{TPlane}.Plane"/>) holds weights [C, F, 1, k].</remarks>
public sealed class ConvTranspose1d : OneRowImageLayer<ConvTranspose2d>
{
    /// <summary>Creates the layer.</summary>
    /// <param name="inputChannels">C, the channels of the rows coming in.</param>
    /// <param name="inputLength">L, their length.</param>
    /// <param name="filters">F, the output channels.</param>
    /// <param name="outputLength">Lo, the output length (the padding and output padding follow from it).</param>
    /// <param name="kernelSize">The kernel's length.</param>
    /// <param name="stride">The stride.</param>
    /// <param name="dilation">The dilation.</param>
    /// <param name="padLeft">Outputs taken off the start.</param>
    /// <param name="padRight">Outputs taken off the end.</param>
    /// <param name="initialization">The weights' initial distribution, already resolved for the following activation.</param>
    /// <param name="name">The prefix of the parameters' names.</param>
    public ConvTranspose1d(int inputChannels, int inputLength, int filters, int outputLength, int kernelSize, int stride, int dilation,
        int padLeft, int padRight, WeightInitialization initialization, string name = "conv_transpose1d")
        : base(Plane2d(inputChannels, inputLength, filters, outputLength, kernelSize, stride, dilation, padLeft, padRight, initialization, name))
    {
    }

    private static ConvTranspose2d Plane2d(int inputChannels, int inputLength, int filters, int outputLength, int kernelSize, int stride, int dilation,
        int padLeft, int padRight, WeightInitialization initialization, string name)
    {
        var geometry = new ConvGeometry(filters, 1, outputLength, 1, kernelSize, stride, dilation, 0, padLeft, 0, padRight);
        if (geometry.OutputWidth != inputLength)
            throw new ArgumentException($"A transposed convolution of this kernel, stride and padding gives {outputLength} outputs for {geometry.OutputWidth} inputs, not {inputLength}.");
        return new ConvTranspose2d(inputChannels, geometry, initialization, name);
    }

    /// <summary>C, the input channels.</summary>
    public int InputChannels => Plane.InputChannels;

    /// <summary>L, the input length.</summary>
    public int InputLength => Plane.InputWidth;

    /// <summary>F, the output channels.</summary>
    public int Filters => Plane.Filters;

    /// <summary>Lo, the output length.</summary>
    public int OutputLength => Plane.Geometry.Width;

    /// <summary>Reshape to [N, C, L], a 1-D ConvTranspose (the weights read as [C, F, k]), Reshape back to flat rows.</summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        var g = Plane.Geometry;
        context.Graph.AddInitializer(Plane.Weights);
        context.Graph.AddInitializer(Plane.Bias);
        string sequence = OnnxShapes.Reshaped(context, context.Input, "sequence", -1, InputChannels, InputLength);
        string weights = OnnxShapes.Reshaped(context, Plane.Weights.Name, "kernel", InputChannels, Filters, g.KernelWidth);
        string transposed = context.Tensor("conv_transpose");
        context.AddNode("ConvTranspose", [sequence, weights, Plane.Bias.Name], [transposed],
            OnnxNodeAttribute.Ints("kernel_shape", g.KernelWidth),
            OnnxNodeAttribute.Ints("strides", g.Stride),
            OnnxNodeAttribute.Ints("dilations", g.Dilation),
            OnnxNodeAttribute.Ints("pads", g.PadLeft, g.PadRight),
            OnnxNodeAttribute.Ints("output_padding", Plane.OutputPaddingWidth));
        OnnxShapes.ToRows(context, transposed, OutputSize);
    }
}
