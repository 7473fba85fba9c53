using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A long short-term memory layer over rows [T, F] (T time steps of F features, time-major: a window of a series as it is
/// stored), giving every hidden state [T, H] or only the last one [H]. Step by step, with the gates in ONNX's order:
/// <code>
/// z_t = x_t·W_ih + h_{t−1}·W_hh + b                       (4H values: input, output, forget, cell)
/// i = σ(z_i)   o = σ(z_o)   f = σ(z_f)   g = tanh(z_c)
/// c_t = f ⊙ c_{t−1} + i ⊙ g     h_t = o ⊙ tanh(c_t)      h_{−1} = c_{−1} = 0
/// </code>
/// </summary>
/// <remarks>
/// <para>The input projection of every step is one GEMM, [batch·T, F]·[F, 4H] with the bias, written into the gates'
/// scratch; the recurrence then runs forward and backward through time in groups of rows (<see cref="LstmRecurrence"/>,
/// the same bits for any thread count).</para>
/// <para>The weights are stored [in, 4H] as <see cref="Dense"/>'s and Keras' are, so every per-step product reads its
/// weights untransposed: with up to 16 rows the GEMM then reads them in place, packing nothing (backward keeps
/// [W_ih; W_hh]ᵀ for its per-step product). ONNX's W, R [4H, in] are their transposes, written by the export. One
/// bias, as Keras has: PyTorch's second (recurrent) bias only adds to the first.</para>
/// </remarks>
public sealed class Lstm : Layer
{
    private readonly Parameter[] _parameters;

    /// <summary>The recurrence itself, shared with <see cref="UnconditionedLstmDecoder"/>; it keeps the backward pass's buffers.</summary>
    private readonly LstmRecurrence _recurrence;

    /// <summary>Creates the layer; its parameters are named <paramref name="name"/>.weight_ih, .weight_hh and .bias.</summary>
    public Lstm(int steps, int features, int units, bool returnSequences, string name = "lstm")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(units, 1);
        Steps = steps;
        Features = features;
        Units = units;
        ReturnSequences = returnSequences;
        InputWeights = new Parameter(name + ".weight_ih", features, 4 * units);
        RecurrentWeights = new Parameter(name + ".weight_hh", units, 4 * units);
        Bias = new Parameter(name + ".bias", 4 * units) { Role = ParameterRole.Bias };
        _parameters = [InputWeights, RecurrentWeights, Bias];
        _recurrence = new LstmRecurrence(steps, features, units, returnSequences);
    }

    /// <summary>T, the time steps of a row.</summary>
    public int Steps { get; }

    /// <summary>F, the features of each step.</summary>
    public int Features { get; }

    /// <summary>H, the hidden (and cell) state's width.</summary>
    public int Units { get; }

    /// <summary>True: the output is every hidden state [T, H]; false: only the last one [H].</summary>
    public bool ReturnSequences { get; }

    /// <summary>W_ih, [F, 4H]: the gates' weights on the step's input, column blocks in the order input, output, forget, cell.</summary>
    public Parameter InputWeights { get; }

    /// <summary>W_hh, [H, 4H]: the gates' weights on the previous hidden state, same block order.</summary>
    public Parameter RecurrentWeights { get; }

    /// <summary>b, [4H], same block order.</summary>
    public Parameter Bias { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override int InputSize => Steps * Features;

    /// <inheritdoc/>
    public override int OutputSize => ReturnSequences ? Steps * Units : Units;

    /// <summary>Per row, what backward reads (see <see cref="LstmRecurrence.ScratchSizePerSample"/>).</summary>
    public override int ScratchSizePerSample => _recurrence.ScratchSizePerSample;

    /// <summary>Each step's input gradient is copied into place (or added) as the per-step product gives it.</summary>
    internal override bool CanOverwriteInputGradient => true;

    /// <summary>Every parameter gradient comes out of one product, which can be written over them instead of added.</summary>
    internal override bool CanOverwriteParameterGradients => true;

    /// <summary>
    /// Keras' defaults: Glorot-uniform W_ih (fans F and 4H), an orthogonal W_hh and a forget-gate bias of 1 (the other biases 0).
    /// Chosen over PyTorch's U(±1/√H) everywhere because the forget bias starts every cell remembering (Jozefowicz et al.
    /// 2015) and orthogonal recurrent weights keep the gradient's norm through many steps, which windows of 64–288 steps
    /// need; and the sequence autoencoders the library follows (the Keras time-series examples) start this way.
    /// </summary>
    public override void Initialize(SeededRandom random)
    {
        WeightInitializer.Fill(InputWeights.Values, Features, 4 * Units, WeightInitialization.XavierUniform, random);
        WeightInitializer.FillOrthogonal(RecurrentWeights.Values, Units, 4 * Units, random);
        Bias.Values.Clear();
        Bias.Values.Slice(2 * Units, Units).Fill(1f);
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        var layout = new LstmRecurrence.ScratchLayout(_recurrence, batch);
        RecurrentRowGroups.CheckScratch(scratch.Length, layout.Total, batch);
        int gateWidth = 4 * Units, stepRows = batch * Steps, stepWidth = _recurrence.StepWidth;
        // Each step's input and the bias's 1 into its row of the step inputs, around the state it starts from (written by the
        // step before).
        Span<float> stepInputs = scratch.Slice(layout.StepInputs, stepRows * stepWidth);
        for (int row = 0; row < stepRows; row++)
        {
            x.Slice(row * Features, Features).CopyTo(stepInputs.Slice(row * stepWidth, Features));
            stepInputs[row * stepWidth + stepWidth - 1] = 1f;
        }
        // Every step's input projection and the bias at once: gates[batch·T, 4H] = x[batch·T, F]·W_ih + b.
        Gemm.MultiplyAddBias(Transpose.No, Transpose.No, stepRows, gateWidth, Features, stepInputs, stepWidth, InputWeights.Values, gateWidth,
            Bias.Values, scratch.Slice(layout.Gates, stepRows * gateWidth), gateWidth, Activation.Linear, 0f, Span<float>.Empty, context.Threads);
        _recurrence.Forward(scratch, y, batch, RecurrentWeights.Values, ReadOnlySpan<float>.Empty, fromStartingStates: false, context.Threads);
    }

    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        RecurrentRowGroups.CheckScratch(scratch.Length, new LstmRecurrence.ScratchLayout(_recurrence, batch).Total, batch);
        ReadOnlySpan<float> weightGradients = _recurrence.Backward(scratch, dy, dx, batch, InputWeights.Values, RecurrentWeights.Values,
            fromStartingStates: false, context.OverwriteInputGradient, context.Threads);
        int gateWidth = 4 * Units;
        bool overwrite = context.OverwriteParameterGradients;
        RecurrentRowGroups.Accumulate(weightGradients[..(Features * gateWidth)], InputWeights.Gradients, overwrite);
        RecurrentRowGroups.Accumulate(weightGradients.Slice(Features * gateWidth, Units * gateWidth), RecurrentWeights.Gradients, overwrite);
        RecurrentRowGroups.Accumulate(weightGradients.Slice((Features + Units) * gateWidth, gateWidth), Bias.Gradients, overwrite);
    }

    /// <summary>
    /// One ONNX LSTM node (<see cref="RecurrentOnnx"/>): the rows as [T, N, F]; W and R the weights transposed; B = [b, 0]
    /// (ONNX's Wb and Rb); every state or the last one as flat rows.
    /// </summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        foreach (var parameter in _parameters) context.Graph.AddInitializer(parameter);
        string timeMajor = RecurrentOnnx.TimeMajorInput(context, Steps, Features), directionAxis = RecurrentOnnx.DirectionAxis(context);
        string w = RecurrentOnnx.Weights(context, InputWeights, "W", directionAxis), r = RecurrentOnnx.Weights(context, RecurrentWeights, "R", directionAxis);
        string b = RecurrentOnnx.Biases(context, Bias.Name, null, 4 * Units, directionAxis);
        RecurrentOnnx.Recurrence(context, "LSTM", [timeMajor, w, r, b], ReturnSequences, OutputSize, OnnxNodeAttribute.Int("hidden_size", Units));
    }
}
