using System.Numerics.Tensors;
using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A sequence-to-sequence decoder: an LSTM that starts from a state computed from a code [K] and runs T steps with no input,
/// giving every hidden state [T, H] (Srivastava et al. 2015's "unconditioned" decoder). With the gates in ONNX's order:
/// <code>
/// [a, c_{−1}] = code·W_s + b_s       h_{−1} = tanh(a)        (W_s [K, 2H]: the starting hidden and cell states)
/// z_t = h_{t−1}·W_hh + b             (4H values: input, output, forget, cell)
/// i = σ(z_i)   o = σ(z_o)   f = σ(z_f)   g = tanh(z_c)
/// c_t = f ⊙ c_{t−1} + i ⊙ g     h_t = o ⊙ tanh(c_t)
/// </code>
/// </summary>
/// <remarks>
/// <para>Why no input per step: a decoder fed the window's own values (teacher forcing, or a repeated code mixed with them)
/// can learn to copy them and reconstruct anomalies as well as normal windows; everything this decoder knows about the
/// window comes through the code, so a window the code cannot describe is reconstructed badly, which is what an anomaly
/// score needs. A repeat-vector decoder gives every step the code as input instead; this one gives it once, as the state.</para>
/// <para>Why tanh on the starting hidden state and none on the cell: an LSTM's h is o ⊙ tanh(c), always in (−1, 1), so the
/// recurrent weights only ever see such values; the cell state is an unbounded running sum, so a linear map lets the
/// code set it to any size (Keras' and PyTorch's sequence-to-sequence decoders take the encoder's states as they are:
/// the same ranges).</para>
/// <para>The recurrence is <see cref="Lstm"/>'s (<see cref="LstmRecurrence"/>) with no input and the starting states in
/// place of zeros; around it, the starting states of the whole batch are one GEMM [batch, K]·[K, 2H], and the code's and
/// W_s' gradients one GEMM each over the batch.</para>
/// </remarks>
public sealed class UnconditionedLstmDecoder : Layer
{
    private readonly Parameter[] _parameters;

    /// <summary>
    /// The recurrence itself: <see cref="Lstm"/>'s with no input (F = 0), started from the code's states. It keeps the backward
    /// pass's buffers.
    /// </summary>
    private readonly LstmRecurrence _recurrence;

    // The gradients of the starting states' pre-activations [batch, 2H], grown once.
    private float[] _stateGradients = [];

    /// <summary>
    /// Creates the layer; its parameters are named <paramref name="name"/>.weight_state, .bias_state, .weight_hh and .bias.
    /// </summary>
    public UnconditionedLstmDecoder(int codeSize, int steps, int units, string name = "lstm_decoder")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(codeSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(units, 1);
        CodeSize = codeSize;
        Steps = steps;
        Units = units;
        StateWeights = new Parameter(name + ".weight_state", codeSize, 2 * units);
        StateBias = new Parameter(name + ".bias_state", 2 * units) { Role = ParameterRole.Bias };
        RecurrentWeights = new Parameter(name + ".weight_hh", units, 4 * units);
        Bias = new Parameter(name + ".bias", 4 * units) { Role = ParameterRole.Bias };
        _parameters = [StateWeights, StateBias, RecurrentWeights, Bias];
        _recurrence = new LstmRecurrence(steps, features: 0, units, returnSequences: true);
    }

    /// <summary>K, the code's width.</summary>
    public int CodeSize { get; }

    /// <summary>T, the steps the decoder runs.</summary>
    public int Steps { get; }

    /// <summary>H, the hidden (and cell) state's width.</summary>
    public int Units { get; }

    /// <summary>W_s, [K, 2H]: the code's weights on the starting hidden state's pre-activation (first H columns) and cell state.</summary>
    public Parameter StateWeights { get; }

    /// <summary>b_s, [2H], same column order.</summary>
    public Parameter StateBias { get; }

    /// <summary>W_hh, [H, 4H]: the gates' weights on the previous hidden state, column blocks input, output, forget, cell.</summary>
    public Parameter RecurrentWeights { get; }

    /// <summary>b, [4H], same block order.</summary>
    public Parameter Bias { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override int InputSize => CodeSize;

    /// <inheritdoc/>
    public override int OutputSize => Steps * Units;

    /// <summary>
    /// Per row, what backward reads: the recurrence's blocks (<see cref="LstmRecurrence.ScratchSizePerSample"/>), then the
    /// starting states [h_{−1}, c_{−1}] [2H].
    /// </summary>
    public override int ScratchSizePerSample => _recurrence.ScratchSizePerSample + 2 * Units;

    /// <summary>The code's gradient comes out of one product, which can be written over it.</summary>
    internal override bool CanOverwriteInputGradient => true;

    /// <summary>Every parameter gradient comes out of a product or a sum that can be written over it.</summary>
    internal override bool CanOverwriteParameterGradients => true;

    /// <summary>
    /// As <see cref="Lstm"/>: an orthogonal W_hh and a forget-gate bias of 1 (the other gate biases 0); W_s Glorot-uniform
    /// (fans K and 2H) as any dense layer's, and b_s zero, so a zero code starts at the zero state an encoder LSTM starts from.
    /// </summary>
    public override void Initialize(SeededRandom random)
    {
        WeightInitializer.Fill(StateWeights.Values, CodeSize, 2 * Units, WeightInitialization.XavierUniform, random);
        StateBias.Values.Clear();
        WeightInitializer.FillOrthogonal(RecurrentWeights.Values, Units, 4 * Units, random);
        Bias.Values.Clear();
        Bias.Values.Slice(2 * Units, Units).Fill(1f);
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        var layout = new LstmRecurrence.ScratchLayout(_recurrence, batch);
        int steps = Steps, units = Units, stepWidth = _recurrence.StepWidth, stepRows = batch * steps, states = layout.Total;
        RecurrentRowGroups.CheckScratch(scratch.Length, states + batch * 2 * units, batch);
        // The starting states of every row at once: [a, c_{−1}][batch, 2H] = code·W_s + b_s, then h_{−1} = tanh(a) in place.
        Span<float> startingStates = scratch.Slice(states, batch * 2 * units);
        Gemm.MultiplyAddBias(Transpose.No, Transpose.No, batch, 2 * units, CodeSize, x, CodeSize, StateWeights.Values, 2 * units,
            StateBias.Values, startingStates, 2 * units, Activation.Linear, 0f, Span<float>.Empty, context.Threads);
        Span<float> stepInputs = scratch.Slice(layout.StepInputs, stepRows * stepWidth);
        for (int n = 0; n < batch; n++)
        {
            Span<float> hidden = startingStates.Slice(n * 2 * units, units);
            TensorPrimitives.Tanh(hidden, hidden);
            hidden.CopyTo(stepInputs.Slice(n * steps * stepWidth, units)); // the first step starts from h_{−1}
        }
        for (int row = 0; row < stepRows; row++) stepInputs[row * stepWidth + units] = 1f;

        // No input: each step's gates start from the bias alone.
        _recurrence.Forward(scratch, y, batch, RecurrentWeights.Values, Bias.Values, fromStartingStates: true, context.Threads);
    }

    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        int units = Units, gateWidth = 4 * units, states = new LstmRecurrence.ScratchLayout(_recurrence, batch).Total;
        RecurrentRowGroups.CheckScratch(scratch.Length, states + batch * 2 * units, batch);
        ReadOnlySpan<float> weightGradients = _recurrence.Backward(scratch, dy, Span<float>.Empty, batch, ReadOnlySpan<float>.Empty, RecurrentWeights.Values,
            fromStartingStates: true, overwriteInput: false, context.Threads);
        bool overwrite = context.OverwriteParameterGradients;
        RecurrentRowGroups.Accumulate(weightGradients[..(units * gateWidth)], RecurrentWeights.Gradients, overwrite);
        RecurrentRowGroups.Accumulate(weightGradients.Slice(units * gateWidth, gateWidth), Bias.Gradients, overwrite);

        // The starting states' pre-activation gradients ds [batch, 2H]: da = dh_{−1} ⊙ (1 − h_{−1}²), dc_{−1} as the cell left it.
        int stateWidth = 2 * units;
        RecurrentRowGroups.Reserve(ref _stateGradients, batch * stateWidth);
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> hidden = scratch.Slice(states + n * stateWidth, units), hiddenGradient = _recurrence.StartingHiddenGradient(n);
            Span<float> gradient = _stateGradients.AsSpan(n * stateWidth, stateWidth);
            for (int j = 0; j < units; j++) gradient[j] = hiddenGradient[j] * (1f - hidden[j] * hidden[j]);
            _recurrence.StartingCellGradient(n).CopyTo(gradient[units..]);
        }

        // They reach W_s, b_s and the code: dW_s (+)= codeᵀ·ds, db_s (+)= Σ_n ds_n (rows added in order), dcode (+)= ds·W_sᵀ.
        AffineGradients.Backward(x, _stateGradients.AsSpan(0, batch * stateWidth), dx, batch, StateWeights, StateBias, context);
    }

    /// <summary>
    /// A MatMul and Add for the starting states, split into h_{−1} (through Tanh) and c_{−1}, and one ONNX LSTM node
    /// (time-major) started from them as initial_h and initial_c [1, N, H]. ONNX's LSTM needs an input X, so it is given
    /// zeros [T, N, 1] (ConstantOfShape, N read off the code) with weights W of zeros: z_t = h_{t−1}·Rᵀ + Wb, this layer's
    /// equation. Then Y [T, 1, N, H] is transposed to [N, T, 1, H] and flattened back to rows.
    /// </summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        var graph = context.Graph;
        foreach (var parameter in _parameters) graph.AddInitializer(parameter);
        int units = Units;

        // [N, K] for a batch and for a single row alike.
        string code = OnnxShapes.Reshaped(context, context.Input, "code", -1, CodeSize);
        string product = context.Tensor("state_product"), states = context.Tensor("states");
        context.AddNode("MatMul", [code, StateWeights.Name], [product]);
        context.AddNode("Add", [product, StateBias.Name], [states]);
        string halves = context.Tensor("state_halves"), preHidden = context.Tensor("hidden_preactivation"), initialCell2d = context.Tensor("cell_rows");
        graph.AddInt64Initializer(halves, [2], [units, units]);
        context.AddNode("Split", [states, halves], [preHidden, initialCell2d], OnnxNodeAttribute.Int("axis", 1));
        string initialHidden2d = context.Tensor("hidden_rows");
        context.AddNode("Tanh", [preHidden], [initialHidden2d]);
        string directionAxis = RecurrentOnnx.DirectionAxis(context), initialHidden = context.Tensor("initial_h"), initialCell = context.Tensor("initial_c");
        context.AddNode("Unsqueeze", [initialHidden2d, directionAxis], [initialHidden]);
        context.AddNode("Unsqueeze", [initialCell2d, directionAxis], [initialCell]);

        string inputs = RecurrentOnnx.NoInput(context, code, Steps), w = RecurrentOnnx.ZeroInputWeights(context, 4 * units);
        string r = RecurrentOnnx.Weights(context, RecurrentWeights, "R", directionAxis);
        string b = RecurrentOnnx.Biases(context, Bias.Name, null, 4 * units, directionAxis);
        RecurrentOnnx.Recurrence(context, "LSTM", [inputs, w, r, b, "", initialHidden, initialCell], returnSequences: true, OutputSize,
            OnnxNodeAttribute.Int("hidden_size", units));
    }
}
