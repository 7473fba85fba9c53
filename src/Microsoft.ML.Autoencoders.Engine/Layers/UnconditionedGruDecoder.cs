using System.Numerics.Tensors;
using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// The sequence-to-sequence decoder of <see cref="UnconditionedLstmDecoder"/> with a GRU cell (<see cref="Gru"/>'s equations,
/// linear_before_reset = 1): a starting state computed from a code [K], T steps with no input, every hidden state [T, H].
/// <code>
/// h_{−1} = tanh(code·W_s + b_s)                                  (W_s [K, H])
/// gh_t = h_{t−1}·W_hh + b_hh     z = σ(b_ih,z + gh_z)   r = σ(b_ih,r + gh_r)   n = tanh(b_ih,n + r ⊙ gh_n)
/// h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
/// </code>
/// With no input the input side is its bias b_ih alone; it is kept (rather than folded into b_hh) because its candidate
/// block is outside the reset gate's product, so the pair says what one bias cannot, and the layer stays an ONNX GRU.
/// </summary>
/// <remarks>
/// The recurrence is <see cref="Gru"/>'s (<see cref="GruRecurrence"/>) with b_ih as the whole input side and the starting
/// state in place of zeros; around it, one GEMM [batch, K]·[K, H] for the starting states, and backward, db_ih the sum of
/// dGx, then dW_s = codeᵀ·ds and dcode = ds·W_sᵀ over the batch.
/// </remarks>
public sealed class UnconditionedGruDecoder : Layer
{
    private readonly Parameter[] _parameters;

    /// <summary>
    /// The recurrence itself: <see cref="Gru"/>'s with no input (gx = b_ih), started from the code's state. It keeps the
    /// backward pass's buffers.
    /// </summary>
    private readonly GruRecurrence _recurrence;

    // The gradients of the starting state's pre-activation [batch, H], grown once.
    private float[] _stateGradients = [];

    /// <summary>Creates the layer; its parameters are named <paramref name="name"/>.weight_state, .bias_state, .weight_hh, .bias_ih and .bias_hh.</summary>
    public UnconditionedGruDecoder(int codeSize, int steps, int units, string name = "gru_decoder")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(codeSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(units, 1);
        CodeSize = codeSize;
        Steps = steps;
        Units = units;
        StateWeights = new Parameter(name + ".weight_state", codeSize, units);
        StateBias = new Parameter(name + ".bias_state", units) { Role = ParameterRole.Bias };
        RecurrentWeights = new Parameter(name + ".weight_hh", units, 3 * units);
        InputBias = new Parameter(name + ".bias_ih", 3 * units) { Role = ParameterRole.Bias };
        RecurrentBias = new Parameter(name + ".bias_hh", 3 * units) { Role = ParameterRole.Bias };
        _parameters = [StateWeights, StateBias, RecurrentWeights, InputBias, RecurrentBias];
        _recurrence = new GruRecurrence(steps, units, returnSequences: true);
    }

    /// <summary>K, the code's width.</summary>
    public int CodeSize { get; }

    /// <summary>T, the steps the decoder runs.</summary>
    public int Steps { get; }

    /// <summary>H, the hidden state's width.</summary>
    public int Units { get; }

    /// <summary>W_s, [K, H]: the code's weights on the starting state's pre-activation.</summary>
    public Parameter StateWeights { get; }

    /// <summary>b_s, [H].</summary>
    public Parameter StateBias { get; }

    /// <summary>W_hh, [H, 3H]: column blocks update, reset, candidate.</summary>
    public Parameter RecurrentWeights { get; }

    /// <summary>b_ih, [3H] (ONNX's Wb): the whole input side, since there is no input.</summary>
    public Parameter InputBias { get; }

    /// <summary>b_hh, [3H] (ONNX's Rb).</summary>
    public Parameter RecurrentBias { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override int InputSize => CodeSize;

    /// <inheritdoc/>
    public override int OutputSize => Steps * Units;

    /// <summary>Per row, the recurrence's blocks (<see cref="GruRecurrence.ScratchSizePerSample"/>), h_{−1} the first step's state.</summary>
    public override int ScratchSizePerSample => _recurrence.ScratchSizePerSample;

    /// <inheritdoc/>
    internal override bool CanOverwriteInputGradient => true;

    /// <inheritdoc/>
    internal override bool CanOverwriteParameterGradients => true;

    /// <summary>As <see cref="Gru"/>: an orthogonal W_hh and zero biases; W_s Glorot-uniform (fans K and H), b_s zero.</summary>
    public override void Initialize(SeededRandom random)
    {
        WeightInitializer.Fill(StateWeights.Values, CodeSize, Units, WeightInitialization.XavierUniform, random);
        StateBias.Values.Clear();
        WeightInitializer.FillOrthogonal(RecurrentWeights.Values, Units, 3 * Units, random);
        InputBias.Values.Clear();
        RecurrentBias.Values.Clear();
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        var layout = new GruRecurrence.ScratchLayout(_recurrence, batch);
        RecurrentRowGroups.CheckScratch(scratch.Length, layout.Total, batch);
        int steps = Steps, units = Units, stepWidth = _recurrence.StepWidth, stepRows = batch * steps;
        // The starting states, written straight into each row's first step: h_{−1}[batch, H] = tanh(code·W_s + b_s), rows
        // T·(H + 1) apart.
        Span<float> stepInputs = scratch.Slice(layout.StepInputs, stepRows * stepWidth);
        Gemm.MultiplyAddBias(Transpose.No, Transpose.No, batch, units, CodeSize, x, CodeSize, StateWeights.Values, units,
            StateBias.Values, stepInputs, steps * stepWidth, Activation.Linear, 0f, Span<float>.Empty, context.Threads);
        for (int n = 0; n < batch; n++)
        {
            Span<float> hidden = stepInputs.Slice(n * steps * stepWidth, units);
            TensorPrimitives.Tanh(hidden, hidden);
        }

        // No input: each step's input side gx is b_ih alone.
        _recurrence.Forward(scratch, y, batch, RecurrentWeights.Values, RecurrentBias.Values, InputBias.Values, fromStartingStates: true, context.Threads);
    }

    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        var layout = new GruRecurrence.ScratchLayout(_recurrence, batch);
        RecurrentRowGroups.CheckScratch(scratch.Length, layout.Total, batch);
        int units = Units, gateWidth = 3 * units, steps = Steps, stepWidth = _recurrence.StepWidth;
        ReadOnlySpan<float> weightGradients = _recurrence.Backward(scratch, dy, batch, RecurrentWeights.Values, fromStartingStates: true, context.Threads);
        bool overwrite = context.OverwriteParameterGradients;
        RecurrentRowGroups.Accumulate(weightGradients[..(units * gateWidth)], RecurrentWeights.Gradients, overwrite);
        RecurrentRowGroups.Accumulate(weightGradients.Slice(units * gateWidth, gateWidth), RecurrentBias.Gradients, overwrite);
        // db_ih (+)= Σ dGx over every step row, in order.
        ReadOnlySpan<float> inputGateGradients = _recurrence.InputGateGradients(batch);
        if (overwrite) InputBias.Gradients.Clear();
        Dense.AccumulateBiasGradient(InputBias.Gradients, inputGateGradients, inputGateGradients.Length / gateWidth, context.Threads);

        // The starting state's pre-activation gradients ds = dh_{−1} ⊙ (1 − h_{−1}²), h_{−1} read from each row's first step.
        RecurrentRowGroups.Reserve(ref _stateGradients, batch * units);
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> hidden = scratch.Slice(layout.StepInputs + n * steps * stepWidth, units), carry = _recurrence.StartingHiddenGradient(n);
            Span<float> gradient = _stateGradients.AsSpan(n * units, units);
            for (int j = 0; j < units; j++) gradient[j] = carry[j] * (1f - hidden[j] * hidden[j]);
        }

        // They reach W_s, b_s and the code: dW_s (+)= codeᵀ·ds, db_s (+)= Σ_n ds_n, dcode (+)= ds·W_sᵀ.
        AffineGradients.Backward(x, _stateGradients.AsSpan(0, batch * units), dx, batch, StateWeights, StateBias, context);
    }

    /// <summary>
    /// MatMul, Add and Tanh for the starting state, given as initial_h [1, N, H] to one ONNX GRU node (linear_before_reset =
    /// 1) whose input is zeros [T, N, 1] (ConstantOfShape, N read off the code) with W = 0 and B = [b_ih, b_hh]; Y [T, 1, N, H]
    /// transposed to [N, T, 1, H] and flattened back to rows.
    /// </summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        var graph = context.Graph;
        foreach (var parameter in _parameters) graph.AddInitializer(parameter);
        int units = Units;

        string code = OnnxShapes.Reshaped(context, context.Input, "code", -1, CodeSize);
        string product = context.Tensor("state_product"), preHidden = context.Tensor("hidden_preactivation"), hidden = context.Tensor("hidden_rows");
        context.AddNode("MatMul", [code, StateWeights.Name], [product]);
        context.AddNode("Add", [product, StateBias.Name], [preHidden]);
        context.AddNode("Tanh", [preHidden], [hidden]);
        string directionAxis = RecurrentOnnx.DirectionAxis(context), initialHidden = context.Tensor("initial_h");
        context.AddNode("Unsqueeze", [hidden, directionAxis], [initialHidden]);

        string inputs = RecurrentOnnx.NoInput(context, code, Steps), w = RecurrentOnnx.ZeroInputWeights(context, 3 * units);
        string r = RecurrentOnnx.Weights(context, RecurrentWeights, "R", directionAxis);
        string b = RecurrentOnnx.Biases(context, InputBias.Name, RecurrentBias.Name, 3 * units, directionAxis);
        RecurrentOnnx.Recurrence(context, "GRU", [inputs, w, r, b, "", initialHidden], returnSequences: true, OutputSize,
            OnnxNodeAttribute.Int("hidden_size", units), OnnxNodeAttribute.Int("linear_before_reset", 1));
    }
}
