using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// The pieces every recurrent layer's export shares around its one ONNX LSTM or GRU node (opset 14's, default layout:
/// time-major [T, N, ·]): that node's W, R and B with their direction axis in front (one direction, so a leading 1), its
/// input, and its output back to flat rows. The weight nodes read only initializers, so runtimes fold them away at load.
/// </summary>
internal static class RecurrentOnnx
{
    /// <summary>The axis [0] every W, R, B and initial state is unsqueezed on: ONNX's num_directions, here 1.</summary>
    public static string DirectionAxis(LayerExportContext context)
    {
        string axis = context.Tensor("direction_axis");
        context.Graph.AddInt64Initializer(axis, [1], [0]);
        return axis;
    }

    /// <summary>The layer's rows reshaped to [N, T, F] and transposed to ONNX's time-major [T, N, F].</summary>
    public static string TimeMajorInput(LayerExportContext context, int steps, int features)
    {
        string sequence = OnnxShapes.Reshaped(context, context.Input, "sequence", -1, steps, features), timeMajor = context.Tensor("time_major");
        context.AddNode("Transpose", [sequence], [timeMajor], OnnxNodeAttribute.Ints("perm", 1, 0, 2));
        return timeMajor;
    }

    /// <summary>
    /// ONNX's W or R (<paramref name="name"/>): the weights, stored [in, gates] as <see cref="Dense"/>'s, transposed to
    /// [gates, in] with the direction axis in front.
    /// </summary>
    public static string Weights(LayerExportContext context, Parameter weights, string name, string directionAxis)
    {
        string transposed = context.Tensor(name + "_transposed"), stacked = context.Tensor(name);
        context.AddNode("Transpose", [weights.Name], [transposed], OnnxNodeAttribute.Ints("perm", 1, 0));
        context.AddNode("Unsqueeze", [transposed, directionAxis], [stacked]);
        return stacked;
    }

    /// <summary>
    /// ONNX's W for a recurrence with no input: zeros [1, gates, 1], so the input contributes nothing (the node still needs
    /// one, see <see cref="NoInput"/>).
    /// </summary>
    public static string ZeroInputWeights(LayerExportContext context, int gateWidth)
    {
        string w = context.Tensor("W");
        context.Graph.AddInitializer(w, [1, gateWidth, 1], new float[gateWidth]);
        return w;
    }

    /// <summary>
    /// ONNX's B = [Wb, Rb] with the direction axis in front. With no <paramref name="recurrentBias"/> (the LSTM's single bias,
    /// as Keras has: PyTorch's second bias only adds to the first) Rb is zeros.
    /// </summary>
    public static string Biases(LayerExportContext context, string inputBias, string? recurrentBias, int gateWidth, string directionAxis)
    {
        if (recurrentBias is null)
        {
            recurrentBias = context.Tensor("recurrent_bias");
            context.Graph.AddInitializer(recurrentBias, [gateWidth], new float[gateWidth]);
        }
        string biases = context.Tensor("biases"), b = context.Tensor("B");
        context.AddNode("Concat", [inputBias, recurrentBias], [biases], OnnxNodeAttribute.Int("axis", 0));
        context.AddNode("Unsqueeze", [biases, directionAxis], [b]);
        return b;
    }

    /// <summary>
    /// The input of a recurrence that has none: zeros [T, N, 1] (ConstantOfShape, N read off <paramref name="code"/>
    /// [N, K]), since ONNX's LSTM and GRU need an X; with <see cref="ZeroInputWeights"/> it adds nothing to the gates.
    /// </summary>
    public static string NoInput(LayerExportContext context, string code, int steps)
    {
        var graph = context.Graph;
        string codeShape = context.Tensor("code_dimensions"), rowCount = context.Tensor("row_count");
        string sliceStart = context.Tensor("slice_start"), sliceEnd = context.Tensor("slice_end");
        graph.AddInt64Initializer(sliceStart, [1], [0]);
        graph.AddInt64Initializer(sliceEnd, [1], [1]);
        context.AddNode("Shape", [code], [codeShape]);
        context.AddNode("Slice", [codeShape, sliceStart, sliceEnd], [rowCount]);
        string stepCount = context.Tensor("step_count"), inputWidth = context.Tensor("input_width"), inputShape = context.Tensor("input_shape");
        graph.AddInt64Initializer(stepCount, [1], [steps]);
        graph.AddInt64Initializer(inputWidth, [1], [1]);
        context.AddNode("Concat", [stepCount, rowCount, inputWidth], [inputShape], OnnxNodeAttribute.Int("axis", 0));
        string inputs = context.Tensor("no_input");
        context.AddNode("ConstantOfShape", [inputShape], [inputs]);
        return inputs;
    }

    /// <summary>
    /// The recurrent node itself (<paramref name="operatorType"/> LSTM or GRU) and its output as the layer's flat rows:
    /// either every state Y [T, 1, N, H] squeezed to [T, N, H] and transposed to [N, T, H], or the last state Y_h [1, N, H]
    /// squeezed to [N, H]. Those are the forms PyTorch writes for a batch-first nn.LSTM's output and h_n[-1], so the
    /// engine's own import reads the export back as this layer.
    /// </summary>
    public static void Recurrence(LayerExportContext context, string operatorType, IReadOnlyList<string> inputs, bool returnSequences, int outputSize,
        params IReadOnlyList<OnnxNodeAttribute> attributes)
    {
        if (returnSequences)
        {
            string states = context.Tensor("Y"), timeMajor = context.Tensor("time_major_states"), batchMajor = context.Tensor("batch_major");
            context.AddNode(operatorType, inputs, [states], attributes);
            context.AddNode("Squeeze", [states, DirectionAxisOf(context, "directions", 1)], [timeMajor]);
            context.AddNode("Transpose", [timeMajor], [batchMajor], OnnxNodeAttribute.Ints("perm", 1, 0, 2));
            OnnxShapes.ToRows(context, batchMajor, outputSize);
        }
        else
        {
            string last = context.Tensor("Y_h"), rows = context.Tensor("last_state");
            context.AddNode(operatorType, inputs, ["", last], attributes);
            context.AddNode("Squeeze", [last, DirectionAxisOf(context, "layers", 0)], [rows]);
            OnnxShapes.ToRows(context, rows, outputSize);
        }
    }

    /// <summary>An int64 initializer [<paramref name="axis"/>] named for what it squeezes, as opset 13's Squeeze reads its axes.</summary>
    private static string DirectionAxisOf(LayerExportContext context, string name, long axis)
    {
        string tensor = context.Tensor(name + "_axis");
        context.Graph.AddInt64Initializer(tensor, [1], [axis]);
        return tensor;
    }
}
