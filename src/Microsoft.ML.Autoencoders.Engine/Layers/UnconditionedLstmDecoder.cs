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
/// <para>Performance as <see cref="Lstm"/>: the starting states of the whole batch are one GEMM [batch, K]·[K, 2H]; the
/// recurrence runs in groups of up to <see cref="Lstm.RowsPerGroup"/> rows (the same bits for any thread count), one GEMM
/// [rows, H]·[H, 4H] per step; backward through time one GEMM per step for dh_{t−1}, then [dW_hh; db] = [H_prev, 1]ᵀ·dZ per
/// group and the code's and W_s' gradients as one GEMM each over the batch.</para>
/// </remarks>
public sealed class UnconditionedLstmDecoder : Layer
{
    private readonly Parameter[] _parameters;

    // The backward pass's own buffers, grown once: the gates' pre-activation gradients [batch, T, 4H], per row the gradients
    // reaching the cell state and the hidden state, W_hhᵀ [4H, H] for the per-step product, [dW_hh; db] [H + 1, 4H] per
    // group and their sum, and the gradients of the starting states' pre-activations [batch, 2H].
    private float[] _gateGradients = [];
    private float[] _groupWeightGradients = [];
    private float[] _weightGradients = [];
    private float[] _recurrentTransposed = [];
    private float[] _cellGradients = [];
    private float[] _hiddenGradients = [];
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
    /// Per row, what backward reads: the hidden state each step started from beside a 1, [T, H + 1]; the gates' activations
    /// [T, 4H], the cell states [T, H] and their tanh [T, H]; and the starting states [h_{−1}, c_{−1}] [2H]. Each is one
    /// block [batch, ·] of a batch's scratch.
    /// </summary>
    public override int ScratchSizePerSample => Steps * (StepWidth + 6 * Units) + 2 * Units;

    /// <summary>H + 1: the state h_{t−1} a step starts from and the constant 1 the bias multiplies.</summary>
    private int StepWidth => Units + 1;

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
    public override unsafe void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        var layout = new ScratchLayout(this, batch);
        if (scratch.Length < layout.Total) throw new ArgumentException($"The scratch must hold {layout.Total} values for {batch} rows.", nameof(scratch));
        int steps = Steps, units = Units, stepWidth = StepWidth, stepRows = batch * steps;
        // The starting states of every row at once: [a, c_{−1}][batch, 2H] = code·W_s + b_s, then h_{−1} = tanh(a) in place.
        Span<float> states = scratch.Slice(layout.States, batch * 2 * units);
        Gemm.MultiplyAddBias(Transpose.No, Transpose.No, batch, 2 * units, CodeSize, x, CodeSize, StateWeights.Values, 2 * units,
            StateBias.Values, states, 2 * units, Activation.Linear, 0f, Span<float>.Empty, context.Threads);
        Span<float> stepInputs = scratch.Slice(layout.StepInputs, stepRows * stepWidth);
        for (int n = 0; n < batch; n++)
        {
            Span<float> hidden = states.Slice(n * 2 * units, units);
            TensorPrimitives.Tanh(hidden, hidden);
            hidden.CopyTo(stepInputs.Slice(n * steps * stepWidth, units)); // the first step starts from h_{−1}
        }
        for (int row = 0; row < stepRows; row++) stepInputs[row * stepWidth + units] = 1f;

        int groups = Lstm.GroupCount(batch);
        fixed (float* pScratch = scratch)
        fixed (float* py = y)
        fixed (float* recurrent = RecurrentWeights.Values)
        fixed (float* bias = Bias.Values)
        {
            ParallelRange.Run(groups, context.Threads, new ForwardGroups(this, layout, pScratch, py, recurrent, bias, batch, groups), grain: 1, minPerThread: 1);
        }
    }

    /// <summary>Groups [start, end) of rows through all T steps.</summary>
    private readonly unsafe struct ForwardGroups(UnconditionedLstmDecoder layer, ScratchLayout layout, float* scratch, float* y, float* recurrent,
        float* bias, int batch, int groups) : IRangeKernel
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
            int steps = layer.Steps, units = layer.Units, gateWidth = 4 * units, stepWidth = layer.StepWidth;
            float* gates = scratch + layout.Gates, cells = scratch + layout.Cells, tanhCells = scratch + layout.TanhCells;
            float* states = scratch + layout.States, previousHidden = scratch + layout.StepInputs;
            var recurrentWeights = new ReadOnlySpan<float>(recurrent, gateWidth * units);
            var gateBias = new ReadOnlySpan<float>(bias, gateWidth);
            for (int t = 0; t < steps; t++)
            {
                // gates[rows, t, 4H] = b + h_{t−1}[rows, H]·W_hh: rows lie T steps apart in both.
                for (int n = first; n < first + rows; n++) gateBias.CopyTo(new Span<float>(gates + ((nint)n * steps + t) * gateWidth, gateWidth));
                var hidden = new ReadOnlySpan<float>(previousHidden + ((nint)first * steps + t) * stepWidth, (rows - 1) * steps * stepWidth + units);
                var stepGates = new Span<float>(gates + ((nint)first * steps + t) * gateWidth, (rows - 1) * steps * gateWidth + gateWidth);
                Gemm.Multiply(Transpose.No, Transpose.No, rows, gateWidth, units, 1f, hidden, steps * stepWidth, recurrentWeights, gateWidth,
                    1f, stepGates, steps * gateWidth, threads: 1);

                for (int n = first; n < first + rows; n++)
                {
                    nint at = (nint)n * steps + t; // row n's step t, in units of one step's values
                    float* cell = cells + at * units;
                    float* previousCell = t > 0 ? cell - units : states + (nint)n * 2 * units + units;
                    float* output = y + at * units;
                    LstmCell.Forward(gates + at * gateWidth, previousCell, cell, tanhCells + at * units, output, units);
                    // h_t is also the next step's starting state; backward reads it there.
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
        int units = Units, gateWidth = 4 * units, stepRows = batch * Steps, stepWidth = StepWidth;
        if (_gateGradients.Length < stepRows * gateWidth) _gateGradients = new float[stepRows * gateWidth];
        if (_cellGradients.Length < batch * units)
        {
            _cellGradients = new float[batch * units];
            _hiddenGradients = new float[batch * units];
            _stateGradients = new float[batch * 2 * units];
        }
        if (_weightGradients.Length != stepWidth * gateWidth) _weightGradients = new float[stepWidth * gateWidth];

        // W_hhᵀ [4H, H]: the per-step product dh_{t−1} = dz_t·W_hhᵀ then reads its weights row by row, in place. Backward
        // runs on one training step at a time, so the copy can be the layer's.
        if (_recurrentTransposed.Length != gateWidth * units) _recurrentTransposed = new float[gateWidth * units];
        ReadOnlySpan<float> recurrentWeights = RecurrentWeights.Values;
        for (int j = 0; j < gateWidth; j++)
            for (int k = 0; k < units; k++) _recurrentTransposed[j * units + k] = recurrentWeights[k * gateWidth + j];

        int groups = Lstm.GroupCount(batch), block = stepWidth * gateWidth;
        if (_groupWeightGradients.Length < groups * block) _groupWeightGradients = new float[groups * block];
        fixed (float* pScratch = scratch)
        fixed (float* pdy = dy)
        fixed (float* recurrentTransposed = _recurrentTransposed)
        fixed (float* gateGradients = _gateGradients)
        fixed (float* cellGradients = _cellGradients)
        fixed (float* hiddenGradients = _hiddenGradients)
        fixed (float* stateGradients = _stateGradients)
        fixed (float* groupWeightGradients = _groupWeightGradients)
        {
            var kernel = new BackwardGroups(this, layout, pScratch, pdy, recurrentTransposed, gateGradients, cellGradients, hiddenGradients,
                stateGradients, groupWeightGradients, batch, groups);
            ParallelRange.Run(groups, context.Threads, kernel, grain: 1, minPerThread: 1);
        }

        // The groups' [dW_hh; db], added in group order: the same sums for any thread count.
        _groupWeightGradients.AsSpan(0, block).CopyTo(_weightGradients);
        for (int group = 1; group < groups; group++)
            TensorPrimitives.Add(_weightGradients, _groupWeightGradients.AsSpan(group * block, block), _weightGradients);
        ReadOnlySpan<float> recurrentWeightGradients = _weightGradients.AsSpan(0, units * gateWidth);
        ReadOnlySpan<float> biasGradients = _weightGradients.AsSpan(units * gateWidth, gateWidth);
        bool overwrite = context.OverwriteParameterGradients;
        if (overwrite)
        {
            recurrentWeightGradients.CopyTo(RecurrentWeights.Gradients);
            biasGradients.CopyTo(Bias.Gradients);
        }
        else
        {
            TensorPrimitives.Add(RecurrentWeights.Gradients, recurrentWeightGradients, RecurrentWeights.Gradients);
            TensorPrimitives.Add(Bias.Gradients, biasGradients, Bias.Gradients);
        }

        // The starting states' gradients ds [batch, 2H] reach W_s, b_s and the code: dW_s (+)= codeᵀ·ds, db_s (+)= Σ_n ds_n
        // (rows added in order), dcode (+)= ds·W_sᵀ.
        int stateWidth = 2 * units;
        ReadOnlySpan<float> stateGradientRows = _stateGradients.AsSpan(0, batch * stateWidth);
        Gemm.Multiply(Transpose.Yes, Transpose.No, CodeSize, stateWidth, batch, 1f, x, CodeSize, stateGradientRows, stateWidth,
            overwrite ? 0f : 1f, StateWeights.Gradients, stateWidth, context.Threads);
        Span<float> stateBiasGradients = StateBias.Gradients;
        if (overwrite) stateGradientRows[..stateWidth].CopyTo(stateBiasGradients);
        for (int n = overwrite ? 1 : 0; n < batch; n++) TensorPrimitives.Add(stateBiasGradients, stateGradientRows.Slice(n * stateWidth, stateWidth), stateBiasGradients);
        if (!dx.IsEmpty)
        {
            Gemm.Multiply(Transpose.No, Transpose.Yes, batch, CodeSize, stateWidth, 1f, stateGradientRows, stateWidth, StateWeights.Values, stateWidth,
                context.OverwriteInputGradient ? 0f : 1f, dx, CodeSize, context.Threads);
        }
    }

    /// <summary>
    /// Groups [start, end) of rows backward through all T steps: their gates' gradients, their starting states' gradients
    /// and their block of [dW_hh; db].
    /// </summary>
    private readonly unsafe struct BackwardGroups(UnconditionedLstmDecoder layer, ScratchLayout layout, float* scratch, float* dy,
        float* recurrentTransposed, float* gateGradients, float* cellGradients, float* hiddenGradients, float* stateGradients,
        float* groupWeightGradients, int batch, int groups) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            int block = layer.StepWidth * 4 * layer.Units;
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
            int steps = layer.Steps, units = layer.Units, gateWidth = 4 * units;
            float* gates = scratch + layout.Gates, cells = scratch + layout.Cells, tanhCells = scratch + layout.TanhCells, states = scratch + layout.States;
            new Span<float>(cellGradients + (nint)first * units, rows * units).Clear();
            var weights = new ReadOnlySpan<float>(recurrentTransposed, gateWidth * units);
            var hiddenRows = new Span<float>(hiddenGradients + (nint)first * units, rows * units);
            for (int t = steps - 1; t >= 0; t--)
            {
                for (int n = first; n < first + rows; n++)
                {
                    nint at = (nint)n * steps + t;
                    float* previousCell = t > 0 ? cells + (at - 1) * units : states + (nint)n * 2 * units + units;
                    float* recurrentGradient = t < steps - 1 ? hiddenGradients + (nint)n * units : null;
                    LstmCell.Backward(gates + at * gateWidth, previousCell, tanhCells + at * units, dy + at * units, recurrentGradient,
                        cellGradients + (nint)n * units, gateGradients + at * gateWidth, units);
                }

                // dh_{t−1}[rows, H] = dz_t[rows, 4H]·W_hhᵀ, written over the rows' previous values; after t = 0 it is dh_{−1}.
                var stepGateGradients = new ReadOnlySpan<float>(gateGradients + ((nint)first * steps + t) * gateWidth, (rows - 1) * steps * gateWidth + gateWidth);
                Gemm.Multiply(Transpose.No, Transpose.No, rows, units, gateWidth, 1f, stepGateGradients, steps * gateWidth, weights, units,
                    0f, hiddenRows, units, threads: 1);
            }

            // The starting states' pre-activation gradients: da = dh_{−1} ⊙ (1 − h_{−1}²), dc_{−1} as the cell left it.
            for (int n = first; n < first + rows; n++)
            {
                float* hidden = states + (nint)n * 2 * units, gradient = stateGradients + (nint)n * 2 * units;
                float* hiddenGradient = hiddenGradients + (nint)n * units, cellGradient = cellGradients + (nint)n * units;
                for (int j = 0; j < units; j++)
                {
                    gradient[j] = hiddenGradient[j] * (1f - hidden[j] * hidden[j]);
                    gradient[units + j] = cellGradient[j];
                }
            }

            // [dW_hh; db] of the group = [H_prev, 1]ᵀ·dZ over its rows·T step rows, which lie together in both.
            int stepWidth = layer.StepWidth, blockRows = rows * steps;
            var stepInputs = new ReadOnlySpan<float>(scratch + layout.StepInputs + (nint)first * steps * stepWidth, blockRows * stepWidth);
            var blockGateGradients = new ReadOnlySpan<float>(gateGradients + (nint)first * steps * gateWidth, blockRows * gateWidth);
            Gemm.Multiply(Transpose.Yes, Transpose.No, stepWidth, gateWidth, blockRows, 1f, stepInputs, stepWidth, blockGateGradients, gateWidth,
                0f, weightGradients, gateWidth, threads: 1);
        }
    }

    /// <summary>Where each block of a batch's scratch starts (see <see cref="ScratchSizePerSample"/>).</summary>
    private readonly struct ScratchLayout
    {
        public ScratchLayout(UnconditionedLstmDecoder layer, int batch)
        {
            int stepRows = batch * layer.Steps;
            StepInputs = 0;
            Gates = stepRows * layer.StepWidth;
            Cells = Gates + stepRows * 4 * layer.Units;
            TanhCells = Cells + stepRows * layer.Units;
            States = TanhCells + stepRows * layer.Units;
            Total = States + batch * 2 * layer.Units;
        }

        /// <summary>[h_{t−1}, 1], [batch, T, H + 1]: h_{−1} at t = 0.</summary>
        public int StepInputs { get; }

        /// <summary>The gates' pre-activations, then activations, [batch, T, 4H].</summary>
        public int Gates { get; }

        /// <summary>c_t, [batch, T, H].</summary>
        public int Cells { get; }

        /// <summary>tanh(c_t), [batch, T, H].</summary>
        public int TanhCells { get; }

        /// <summary>[h_{−1}, c_{−1}], [batch, 2H].</summary>
        public int States { get; }

        /// <summary>Floats in all.</summary>
        public int Total { get; }
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
        string directionAxis = context.Tensor("direction_axis");
        graph.AddInt64Initializer(directionAxis, [1], [0]);
        string initialHidden = context.Tensor("initial_h"), initialCell = context.Tensor("initial_c");
        context.AddNode("Unsqueeze", [initialHidden2d, directionAxis], [initialHidden]);
        context.AddNode("Unsqueeze", [initialCell2d, directionAxis], [initialCell]);

        // X: zeros [T, N, 1].
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

        string w = context.Tensor("W"), r = context.Tensor("R"), b = context.Tensor("B");
        graph.AddInitializer(w, [1, 4 * units, 1], new float[4 * units]);
        string recurrentTransposed = context.Tensor("R_transposed"), recurrentBias = context.Tensor("recurrent_bias"), biases = context.Tensor("biases");
        context.AddNode("Transpose", [RecurrentWeights.Name], [recurrentTransposed], OnnxNodeAttribute.Ints("perm", 1, 0));
        context.AddNode("Unsqueeze", [recurrentTransposed, directionAxis], [r]);
        graph.AddInitializer(recurrentBias, [4 * units], new float[4 * units]);
        context.AddNode("Concat", [Bias.Name, recurrentBias], [biases], OnnxNodeAttribute.Int("axis", 0));
        context.AddNode("Unsqueeze", [biases, directionAxis], [b]);

        string hiddenStates = context.Tensor("Y"), batchMajor = context.Tensor("batch_major");
        context.AddNode("LSTM", [inputs, w, r, b, "", initialHidden, initialCell], [hiddenStates], OnnxNodeAttribute.Int("hidden_size", units));
        context.AddNode("Transpose", [hiddenStates], [batchMajor], OnnxNodeAttribute.Ints("perm", 2, 0, 1, 3));
        OnnxShapes.ToRows(context, batchMajor, OutputSize);
    }
}
