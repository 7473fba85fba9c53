using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A gated recurrent unit layer over rows [T, F] (time-major, as <see cref="Lstm"/>), giving every hidden state [T, H] or
/// only the last one [H]. Step by step, with the gates in ONNX's order (update z, reset r, candidate n):
/// <code>
/// gx_t = x_t·W_ih + b_ih     gh_t = h_{t−1}·W_hh + b_hh          (3H values each)
/// z = σ(gx_z + gh_z)   r = σ(gx_r + gh_r)   n = tanh(gx_n + r ⊙ gh_n)
/// h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}                                 h_{−1} = 0
/// </code>
/// The reset gate multiplies the state's candidate part after its product and bias: ONNX's linear_before_reset = 1, the
/// form of PyTorch's nn.GRU, cuDNN and Keras' GRU(reset_after=True) — so two biases, as those have (the recurrent one
/// cannot fold into the input one, since r multiplies it).
/// </summary>
/// <remarks>
/// <para>Run as <see cref="Lstm"/> is: every step's input projection is one GEMM [batch·T, F]·[F, 3H] with b_ih; the
/// recurrence (<see cref="GruRecurrence"/>) runs in groups of rows that depend on the batch alone (the same bits for any
/// thread count); backward, over the whole batch, dW_ih = Xᵀ·dGx and dX = dGx·W_ihᵀ, one GEMM each.</para>
/// <para>Weights are stored [in, 3H] as <see cref="Dense"/>'s and Keras' are; ONNX's W, R [3H, in] are their transposes,
/// written by the export.</para>
/// </remarks>
public sealed class Gru : Layer
{
    private readonly Parameter[] _parameters;

    /// <summary>The recurrence itself, shared with <see cref="UnconditionedGruDecoder"/>; it keeps the backward pass's buffers.</summary>
    private readonly GruRecurrence _recurrence;

    /// <summary>Creates the layer; its parameters are named <paramref name="name"/>.weight_ih, .weight_hh, .bias_ih and .bias_hh.</summary>
    public Gru(int steps, int features, int units, bool returnSequences, string name = "gru")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(units, 1);
        Steps = steps;
        Features = features;
        Units = units;
        ReturnSequences = returnSequences;
        InputWeights = new Parameter(name + ".weight_ih", features, 3 * units);
        RecurrentWeights = new Parameter(name + ".weight_hh", units, 3 * units);
        InputBias = new Parameter(name + ".bias_ih", 3 * units) { Role = ParameterRole.Bias };
        RecurrentBias = new Parameter(name + ".bias_hh", 3 * units) { Role = ParameterRole.Bias };
        _parameters = [InputWeights, RecurrentWeights, InputBias, RecurrentBias];
        _recurrence = new GruRecurrence(steps, units, returnSequences);
    }

    /// <summary>T, the time steps of a row.</summary>
    public int Steps { get; }

    /// <summary>F, the features of each step.</summary>
    public int Features { get; }

    /// <summary>H, the hidden state's width.</summary>
    public int Units { get; }

    /// <summary>True: the output is every hidden state [T, H]; false: only the last one [H].</summary>
    public bool ReturnSequences { get; }

    /// <summary>W_ih, [F, 3H]: column blocks in the order update, reset, candidate.</summary>
    public Parameter InputWeights { get; }

    /// <summary>W_hh, [H, 3H], same block order.</summary>
    public Parameter RecurrentWeights { get; }

    /// <summary>b_ih, [3H] (ONNX's Wb).</summary>
    public Parameter InputBias { get; }

    /// <summary>b_hh, [3H] (ONNX's Rb): its candidate block is inside the reset gate's product.</summary>
    public Parameter RecurrentBias { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override int InputSize => Steps * Features;

    /// <inheritdoc/>
    public override int OutputSize => ReturnSequences ? Steps * Units : Units;

    /// <summary>Per row, what backward reads (see <see cref="GruRecurrence.ScratchSizePerSample"/>).</summary>
    public override int ScratchSizePerSample => _recurrence.ScratchSizePerSample;

    /// <summary>The input gradient comes out of one product, which can be written over it.</summary>
    internal override bool CanOverwriteInputGradient => true;

    /// <summary>Every parameter gradient comes out of a product or a sum that can be written over it.</summary>
    internal override bool CanOverwriteParameterGradients => true;

    /// <summary>Keras' GRU defaults: Glorot-uniform W_ih (fans F and 3H), an orthogonal W_hh, zero biases.</summary>
    public override void Initialize(SeededRandom random)
    {
        WeightInitializer.Fill(InputWeights.Values, Features, 3 * Units, WeightInitialization.XavierUniform, random);
        WeightInitializer.FillOrthogonal(RecurrentWeights.Values, Units, 3 * Units, random);
        InputBias.Values.Clear();
        RecurrentBias.Values.Clear();
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        var layout = new GruRecurrence.ScratchLayout(_recurrence, batch);
        RecurrentRowGroups.CheckScratch(scratch.Length, layout.Total, batch);
        int gateWidth = 3 * Units, stepRows = batch * Steps;
        // Every step's input projection at once: gx[batch·T, 3H] = x[batch·T, F]·W_ih + b_ih.
        Gemm.MultiplyAddBias(Transpose.No, Transpose.No, stepRows, gateWidth, Features, x, Features, InputWeights.Values, gateWidth,
            InputBias.Values, scratch.Slice(layout.InputGates, stepRows * gateWidth), gateWidth, Activation.Linear, 0f, Span<float>.Empty, context.Threads);
        _recurrence.Forward(scratch, y, batch, RecurrentWeights.Values, RecurrentBias.Values, ReadOnlySpan<float>.Empty, fromStartingStates: false,
            context.Threads);
    }

    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        RecurrentRowGroups.CheckScratch(scratch.Length, new GruRecurrence.ScratchLayout(_recurrence, batch).Total, batch);
        int units = Units, gateWidth = 3 * units, stepRows = batch * Steps;
        ReadOnlySpan<float> weightGradients = _recurrence.Backward(scratch, dy, batch, RecurrentWeights.Values, fromStartingStates: false, context.Threads);
        bool overwrite = context.OverwriteParameterGradients;
        RecurrentRowGroups.Accumulate(weightGradients[..(units * gateWidth)], RecurrentWeights.Gradients, overwrite);
        RecurrentRowGroups.Accumulate(weightGradients.Slice(units * gateWidth, gateWidth), RecurrentBias.Gradients, overwrite);

        // The input side over every step row at once: dW_ih (+)= Xᵀ·dGx, db_ih (+)= Σ dGx (rows added in order), dX (+)= dGx·W_ihᵀ.
        ReadOnlySpan<float> inputGateGradientRows = _recurrence.InputGateGradients(batch);
        AffineGradients.Backward(x, inputGateGradientRows, dx, stepRows, InputWeights, InputBias, context);
    }

    /// <summary>
    /// One ONNX GRU node (<see cref="RecurrentOnnx"/>, linear_before_reset = 1): the rows as [T, N, F]; W and R the weights
    /// transposed; B = [b_ih, b_hh]; every state or the last one as flat rows.
    /// </summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        foreach (var parameter in _parameters) context.Graph.AddInitializer(parameter);
        string timeMajor = RecurrentOnnx.TimeMajorInput(context, Steps, Features), directionAxis = RecurrentOnnx.DirectionAxis(context);
        string w = RecurrentOnnx.Weights(context, InputWeights, "W", directionAxis), r = RecurrentOnnx.Weights(context, RecurrentWeights, "R", directionAxis);
        string b = RecurrentOnnx.Biases(context, InputBias.Name, RecurrentBias.Name, 3 * Units, directionAxis);
        RecurrentOnnx.Recurrence(context, "GRU", [timeMajor, w, r, b], ReturnSequences, OutputSize,
            OnnxNodeAttribute.Int("hidden_size", Units), OnnxNodeAttribute.Int("linear_before_reset", 1));
    }
}
