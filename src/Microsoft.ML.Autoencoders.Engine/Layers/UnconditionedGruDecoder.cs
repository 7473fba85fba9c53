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
/// Run as <see cref="UnconditionedLstmDecoder"/>: one GEMM [batch, K]·[K, H] for the starting states; the recurrence in
/// groups of rows that depend on the batch alone, one GEMM [rows, H]·[H, 3H] per step; backward carries dh past the first
/// step into the starting state: [dW_hh; db_hh] = [H_prev, 1]ᵀ·dGh per group, db_ih the sum of dGx, then dW_s = codeᵀ·ds
/// and dcode = ds·W_sᵀ over the batch.
/// </remarks>
public sealed class UnconditionedGruDecoder : Layer
{
    private readonly Parameter[] _parameters;

    // The backward pass's own buffers, grown once (see Gru's), and the starting states' pre-activation gradients [batch, H].
    private float[] _inputGateGradients = [];
    private float[] _recurrentGateGradients = [];
    private float[] _carriedGradients = [];
    private float[] _recurrentTransposed = [];
    private float[] _groupWeightGradients = [];
    private float[] _weightGradients = [];
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

    /// <summary>
    /// Per row: the state each step started from beside a 1, [T, H + 1] (h_{−1} at t = 0); the gates' activations z, r, n
    /// [T, 3H]; the state's projections gh [T, 3H].
    /// </summary>
    public override int ScratchSizePerSample => Steps * (StepWidth + 6 * Units);

    private int StepWidth => Units + 1;

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
    public override unsafe void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        var layout = new ScratchLayout(this, batch);
        if (scratch.Length < layout.Total) throw new ArgumentException($"The scratch must hold {layout.Total} values for {batch} rows.", nameof(scratch));
        int steps = Steps, units = Units, stepWidth = StepWidth, stepRows = batch * steps;
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
        for (int row = 0; row < stepRows; row++) stepInputs[row * stepWidth + units] = 1f;

        int groups = Lstm.GroupCount(batch);
        fixed (float* pScratch = scratch)
        fixed (float* py = y)
        fixed (float* recurrent = RecurrentWeights.Values)
        fixed (float* inputBias = InputBias.Values)
        fixed (float* recurrentBias = RecurrentBias.Values)
        {
            ParallelRange.Run(groups, context.Threads, new ForwardGroups(this, layout, pScratch, py, recurrent, inputBias, recurrentBias, batch, groups),
                grain: 1, minPerThread: 1);
        }
    }

    private readonly unsafe struct ForwardGroups(UnconditionedGruDecoder layer, ScratchLayout layout, float* scratch, float* y, float* recurrent,
        float* inputBias, float* recurrentBias, int batch, int groups) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            for (int group = start; group < end; group++)
            {
                (int first, int last) = ParallelRange.Range(batch, group, groups, grain: 1);
                if (last > first) Rows(first, last - first);
            }
        }

        private void Rows(int first, int rows)
        {
            int steps = layer.Steps, units = layer.Units, gateWidth = 3 * units, stepWidth = layer.StepWidth;
            float* gates = scratch + layout.InputGates, recurrentGates = scratch + layout.RecurrentGates, previousHidden = scratch + layout.StepInputs;
            var recurrentWeights = new ReadOnlySpan<float>(recurrent, gateWidth * units);
            var inputSide = new ReadOnlySpan<float>(inputBias, gateWidth);
            var bias = new ReadOnlySpan<float>(recurrentBias, gateWidth);
            for (int t = 0; t < steps; t++)
            {
                // gx = b_ih; gh[rows, t, 3H] = b_hh + h_{t−1}[rows, H]·W_hh.
                for (int n = first; n < first + rows; n++)
                {
                    nint at = (nint)n * steps + t;
                    inputSide.CopyTo(new Span<float>(gates + at * gateWidth, gateWidth));
                    bias.CopyTo(new Span<float>(recurrentGates + at * gateWidth, gateWidth));
                }
                var hidden = new ReadOnlySpan<float>(previousHidden + ((nint)first * steps + t) * stepWidth, (rows - 1) * steps * stepWidth + units);
                var stepGates = new Span<float>(recurrentGates + ((nint)first * steps + t) * gateWidth, (rows - 1) * steps * gateWidth + gateWidth);
                Gemm.Multiply(Transpose.No, Transpose.No, rows, gateWidth, units, 1f, hidden, steps * stepWidth, recurrentWeights, gateWidth,
                    1f, stepGates, steps * gateWidth, threads: 1);

                for (int n = first; n < first + rows; n++)
                {
                    nint at = (nint)n * steps + t;
                    float* output = y + at * units;
                    GruCell.Forward(gates + at * gateWidth, recurrentGates + at * gateWidth, previousHidden + at * stepWidth, output, units);
                    if (t + 1 < steps) new ReadOnlySpan<float>(output, units).CopyTo(new Span<float>(previousHidden + (at + 1) * stepWidth, units));
                }
            }
        }
    }

    /// <inheritdoc/>
    public override unsafe void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        var layout = new ScratchLayout(this, batch);
        if (scratch.Length < layout.Total) throw new ArgumentException($"The scratch must hold {layout.Total} values for {batch} rows.", nameof(scratch));
        int units = Units, gateWidth = 3 * units, steps = Steps, stepRows = batch * steps, stepWidth = StepWidth;
        if (_inputGateGradients.Length < stepRows * gateWidth)
        {
            _inputGateGradients = new float[stepRows * gateWidth];
            _recurrentGateGradients = new float[stepRows * gateWidth];
        }
        if (_carriedGradients.Length < batch * units)
        {
            _carriedGradients = new float[batch * units];
            _stateGradients = new float[batch * units];
        }
        if (_weightGradients.Length != stepWidth * gateWidth) _weightGradients = new float[stepWidth * gateWidth];
        if (_recurrentTransposed.Length != gateWidth * units) _recurrentTransposed = new float[gateWidth * units];
        ReadOnlySpan<float> recurrentWeights = RecurrentWeights.Values;
        for (int j = 0; j < gateWidth; j++)
            for (int k = 0; k < units; k++) _recurrentTransposed[j * units + k] = recurrentWeights[k * gateWidth + j];

        int groups = Lstm.GroupCount(batch), block = stepWidth * gateWidth;
        if (_groupWeightGradients.Length < groups * block) _groupWeightGradients = new float[groups * block];
        fixed (float* pScratch = scratch)
        fixed (float* pdy = dy)
        fixed (float* recurrentTransposed = _recurrentTransposed)
        fixed (float* inputGateGradients = _inputGateGradients)
        fixed (float* recurrentGateGradients = _recurrentGateGradients)
        fixed (float* carriedGradients = _carriedGradients)
        fixed (float* stateGradients = _stateGradients)
        fixed (float* groupWeightGradients = _groupWeightGradients)
        {
            var kernel = new BackwardGroups(this, layout, pScratch, pdy, recurrentTransposed, inputGateGradients, recurrentGateGradients,
                carriedGradients, stateGradients, groupWeightGradients, batch, groups);
            ParallelRange.Run(groups, context.Threads, kernel, grain: 1, minPerThread: 1);
        }

        _groupWeightGradients.AsSpan(0, block).CopyTo(_weightGradients);
        for (int group = 1; group < groups; group++)
            TensorPrimitives.Add(_weightGradients, _groupWeightGradients.AsSpan(group * block, block), _weightGradients);
        bool overwrite = context.OverwriteParameterGradients;
        ReadOnlySpan<float> recurrentWeightGradients = _weightGradients.AsSpan(0, units * gateWidth);
        ReadOnlySpan<float> recurrentBiasGradients = _weightGradients.AsSpan(units * gateWidth, gateWidth);
        if (overwrite)
        {
            recurrentWeightGradients.CopyTo(RecurrentWeights.Gradients);
            recurrentBiasGradients.CopyTo(RecurrentBias.Gradients);
        }
        else
        {
            TensorPrimitives.Add(RecurrentWeights.Gradients, recurrentWeightGradients, RecurrentWeights.Gradients);
            TensorPrimitives.Add(RecurrentBias.Gradients, recurrentBiasGradients, RecurrentBias.Gradients);
        }

        // db_ih (+)= Σ dGx over every step row, in order.
        ReadOnlySpan<float> inputGateGradientRows = _inputGateGradients.AsSpan(0, stepRows * gateWidth);
        Span<float> inputBiasGradients = InputBias.Gradients;
        if (overwrite) inputGateGradientRows[..gateWidth].CopyTo(inputBiasGradients);
        for (int row = overwrite ? 1 : 0; row < stepRows; row++)
            TensorPrimitives.Add(inputBiasGradients, inputGateGradientRows.Slice(row * gateWidth, gateWidth), inputBiasGradients);

        // The starting states' gradients ds [batch, H]: dW_s (+)= codeᵀ·ds, db_s (+)= Σ_n ds_n, dcode (+)= ds·W_sᵀ.
        ReadOnlySpan<float> stateGradientRows = _stateGradients.AsSpan(0, batch * units);
        Gemm.Multiply(Transpose.Yes, Transpose.No, CodeSize, units, batch, 1f, x, CodeSize, stateGradientRows, units,
            overwrite ? 0f : 1f, StateWeights.Gradients, units, context.Threads);
        Span<float> stateBiasGradients = StateBias.Gradients;
        if (overwrite) stateGradientRows[..units].CopyTo(stateBiasGradients);
        for (int n = overwrite ? 1 : 0; n < batch; n++) TensorPrimitives.Add(stateBiasGradients, stateGradientRows.Slice(n * units, units), stateBiasGradients);
        if (!dx.IsEmpty)
        {
            Gemm.Multiply(Transpose.No, Transpose.Yes, batch, CodeSize, units, 1f, stateGradientRows, units, StateWeights.Values, units,
                context.OverwriteInputGradient ? 0f : 1f, dx, CodeSize, context.Threads);
        }
    }

    private readonly unsafe struct BackwardGroups(UnconditionedGruDecoder layer, ScratchLayout layout, float* scratch, float* dy,
        float* recurrentTransposed, float* inputGateGradients, float* recurrentGateGradients, float* carriedGradients, float* stateGradients,
        float* groupWeightGradients, int batch, int groups) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            int block = layer.StepWidth * 3 * layer.Units;
            for (int group = start; group < end; group++)
            {
                (int first, int last) = ParallelRange.Range(batch, group, groups, grain: 1);
                var weightGradients = new Span<float>(groupWeightGradients + (nint)group * block, block);
                if (last > first) Rows(first, last - first, weightGradients);
                else weightGradients.Clear();
            }
        }

        private void Rows(int first, int rows, Span<float> weightGradients)
        {
            int steps = layer.Steps, units = layer.Units, gateWidth = 3 * units, stepWidth = layer.StepWidth;
            float* gates = scratch + layout.InputGates, recurrentGates = scratch + layout.RecurrentGates, previousHidden = scratch + layout.StepInputs;
            var carried = new Span<float>(carriedGradients + (nint)first * units, rows * units);
            carried.Clear();
            var weights = new ReadOnlySpan<float>(recurrentTransposed, gateWidth * units);
            for (int t = steps - 1; t >= 0; t--)
            {
                for (int n = first; n < first + rows; n++)
                {
                    nint at = (nint)n * steps + t;
                    GruCell.Backward(gates + at * gateWidth, recurrentGates + at * gateWidth, previousHidden + at * stepWidth, dy + at * units,
                        carriedGradients + (nint)n * units, inputGateGradients + at * gateWidth, recurrentGateGradients + at * gateWidth, units);
                }

                // dh_{t−1}[rows, H] = dh ⊙ z + dgh_t·W_hhᵀ; after t = 0 it is dh_{−1}.
                var stepGradients = new ReadOnlySpan<float>(recurrentGateGradients + ((nint)first * steps + t) * gateWidth, (rows - 1) * steps * gateWidth + gateWidth);
                Gemm.Multiply(Transpose.No, Transpose.No, rows, units, gateWidth, 1f, stepGradients, steps * gateWidth, weights, units,
                    1f, carried, units, threads: 1);
            }

            // ds = dh_{−1} ⊙ (1 − h_{−1}²).
            for (int n = first; n < first + rows; n++)
            {
                float* hidden = previousHidden + (nint)n * steps * stepWidth, carry = carriedGradients + (nint)n * units, gradient = stateGradients + (nint)n * units;
                for (int j = 0; j < units; j++) gradient[j] = carry[j] * (1f - hidden[j] * hidden[j]);
            }

            int blockRows = rows * steps;
            var stepInputs = new ReadOnlySpan<float>(previousHidden + (nint)first * steps * stepWidth, blockRows * stepWidth);
            var blockGradients = new ReadOnlySpan<float>(recurrentGateGradients + (nint)first * steps * gateWidth, blockRows * gateWidth);
            Gemm.Multiply(Transpose.Yes, Transpose.No, stepWidth, gateWidth, blockRows, 1f, stepInputs, stepWidth, blockGradients, gateWidth,
                0f, weightGradients, gateWidth, threads: 1);
        }
    }

    private readonly struct ScratchLayout
    {
        public ScratchLayout(UnconditionedGruDecoder layer, int batch)
        {
            int stepRows = batch * layer.Steps;
            StepInputs = 0;
            InputGates = stepRows * layer.StepWidth;
            RecurrentGates = InputGates + stepRows * 3 * layer.Units;
            Total = RecurrentGates + stepRows * 3 * layer.Units;
        }

        /// <summary>[h_{t−1}, 1], [batch, T, H + 1]: h_{−1} at t = 0.</summary>
        public int StepInputs { get; }

        /// <summary>b_ih, then the activations z, r, n, [batch, T, 3H].</summary>
        public int InputGates { get; }

        /// <summary>gh, [batch, T, 3H].</summary>
        public int RecurrentGates { get; }

        public int Total { get; }
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
        string directionAxis = context.Tensor("direction_axis"), initialHidden = context.Tensor("initial_h");
        graph.AddInt64Initializer(directionAxis, [1], [0]);
        context.AddNode("Unsqueeze", [hidden, directionAxis], [initialHidden]);

        string codeShape = context.Tensor("code_dimensions"), rowCount = context.Tensor("row_count");
        string sliceStart = context.Tensor("slice_start"), sliceEnd = context.Tensor("slice_end");
        graph.AddInt64Initializer(sliceStart, [1], [0]);
        graph.AddInt64Initializer(sliceEnd, [1], [1]);
        context.AddNode("Shape", [code], [codeShape]);
        context.AddNode("Slice", [codeShape, sliceStart, sliceEnd], [rowCount]);
        string stepCount = context.Tensor("step_count"), inputWidth = context.Tensor("input_width"), inputShape = context.Tensor("input_shape");
        graph.AddInt64Initializer(stepCount, [1], [Steps]);
        graph.AddInt64Initializer(inputWidth, [1], [1]);
        context.AddNode("Concat", [stepCount, rowCount, inputWidth], [inputShape], OnnxNodeAttribute.Int("axis", 0));
        string inputs = context.Tensor("no_input");
        context.AddNode("ConstantOfShape", [inputShape], [inputs]);

        string w = context.Tensor("W"), r = context.Tensor("R"), b = context.Tensor("B"), biases = context.Tensor("biases");
        graph.AddInitializer(w, [1, 3 * units, 1], new float[3 * units]);
        string recurrentTransposed = context.Tensor("R_transposed");
        context.AddNode("Transpose", [RecurrentWeights.Name], [recurrentTransposed], OnnxNodeAttribute.Ints("perm", 1, 0));
        context.AddNode("Unsqueeze", [recurrentTransposed, directionAxis], [r]);
        context.AddNode("Concat", [InputBias.Name, RecurrentBias.Name], [biases], OnnxNodeAttribute.Int("axis", 0));
        context.AddNode("Unsqueeze", [biases, directionAxis], [b]);

        string hiddenStates = context.Tensor("Y"), batchMajor = context.Tensor("batch_major");
        context.AddNode("GRU", [inputs, w, r, b, "", initialHidden], [hiddenStates],
            OnnxNodeAttribute.Int("hidden_size", units), OnnxNodeAttribute.Int("linear_before_reset", 1));
        context.AddNode("Transpose", [hiddenStates], [batchMajor], OnnxNodeAttribute.Ints("perm", 2, 0, 1, 3));
        OnnxShapes.ToRows(context, batchMajor, OutputSize);
    }
}
