using System.Numerics.Tensors;
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
/// recurrence runs in groups of up to <see cref="Lstm.RowsPerGroup"/> rows that depend on the batch alone (the same bits for
/// any thread count), each step one GEMM [rows, H]·[H, 3H] onto b_hh, then the cell (<see cref="GruCell"/>). Backward through
/// time per group: the cell's gradient, then dh_{t−1} = dh ⊙ z + dgh_t·W_hhᵀ, one GEMM per step; then [dW_hh; db_hh] =
/// [H_prev, 1]ᵀ·dGh per group (the groups' sums added in group order), and over the whole batch dW_ih = Xᵀ·dGx and
/// dX = dGx·W_ihᵀ, one GEMM each.</para>
/// <para>Weights are stored [in, 3H] as <see cref="Dense"/>'s and Keras' are; ONNX's W, R [3H, in] are their transposes,
/// written by the export.</para>
/// </remarks>
public sealed class Gru : Layer
{
    private readonly Parameter[] _parameters;

    // The backward pass's own buffers, grown once: the pre-activation gradients of gx and gh [batch, T, 3H], per row the
    // gradient carried to h_{t−1}, W_hhᵀ [3H, H] for the per-step product, [dW_hh; db_hh] [H + 1, 3H] per group and their sum.
    private float[] _inputGateGradients = [];
    private float[] _recurrentGateGradients = [];
    private float[] _carriedGradients = [];
    private float[] _recurrentTransposed = [];
    private float[] _groupWeightGradients = [];
    private float[] _weightGradients = [];

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

    /// <summary>
    /// Per row, what backward reads: the hidden state each step started from beside a 1, [T, H + 1]; the gates' activations
    /// z, r, n [T, 3H]; the state's projections gh [T, 3H]. Each is one block [batch, T, ·] of a batch's scratch.
    /// </summary>
    public override int ScratchSizePerSample => Steps * (StepWidth + 6 * Units);

    /// <summary>H + 1: the state h_{t−1} a step starts from and the constant 1 the recurrent bias multiplies.</summary>
    private int StepWidth => Units + 1;

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
    public override unsafe void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        var layout = new ScratchLayout(this, batch);
        if (scratch.Length < layout.Total) throw new ArgumentException($"The scratch must hold {layout.Total} values for {batch} rows.", nameof(scratch));
        int steps = Steps, units = Units, gateWidth = 3 * units, stepRows = batch * steps, stepWidth = StepWidth;
        // Every step's input projection at once: gx[batch·T, 3H] = x[batch·T, F]·W_ih + b_ih.
        Gemm.MultiplyAddBias(Transpose.No, Transpose.No, stepRows, gateWidth, Features, x, Features, InputWeights.Values, gateWidth,
            InputBias.Values, scratch.Slice(layout.InputGates, stepRows * gateWidth), gateWidth, Activation.Linear, 0f, Span<float>.Empty, context.Threads);
        Span<float> stepInputs = scratch.Slice(layout.StepInputs, stepRows * stepWidth);
        for (int row = 0; row < stepRows; row++) stepInputs[row * stepWidth + units] = 1f;
        for (int n = 0; n < batch; n++) stepInputs.Slice(n * steps * stepWidth, units).Clear(); // h_{−1} = 0

        int groups = Lstm.GroupCount(batch);
        fixed (float* pScratch = scratch)
        fixed (float* py = y)
        fixed (float* recurrent = RecurrentWeights.Values)
        fixed (float* recurrentBias = RecurrentBias.Values)
        {
            ParallelRange.Run(groups, context.Threads, new ForwardGroups(this, layout, pScratch, py, recurrent, recurrentBias, batch, groups), grain: 1, minPerThread: 1);
        }
    }

    /// <summary>Groups [start, end) of rows through all T steps.</summary>
    private readonly unsafe struct ForwardGroups(Gru layer, ScratchLayout layout, float* scratch, float* y, float* recurrent, float* recurrentBias,
        int batch, int groups) : IRangeKernel
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
            float* inputGates = scratch + layout.InputGates, recurrentGates = scratch + layout.RecurrentGates, previousHidden = scratch + layout.StepInputs;
            var recurrentWeights = new ReadOnlySpan<float>(recurrent, gateWidth * units);
            var bias = new ReadOnlySpan<float>(recurrentBias, gateWidth);
            for (int t = 0; t < steps; t++)
            {
                // gh[rows, t, 3H] = b_hh + h_{t−1}[rows, H]·W_hh (only the bias at t = 0, where h_{−1} = 0): rows lie T steps apart.
                for (int n = first; n < first + rows; n++) bias.CopyTo(new Span<float>(recurrentGates + ((nint)n * steps + t) * gateWidth, gateWidth));
                if (t > 0)
                {
                    var hidden = new ReadOnlySpan<float>(previousHidden + ((nint)first * steps + t) * stepWidth, (rows - 1) * steps * stepWidth + units);
                    var stepGates = new Span<float>(recurrentGates + ((nint)first * steps + t) * gateWidth, (rows - 1) * steps * gateWidth + gateWidth);
                    Gemm.Multiply(Transpose.No, Transpose.No, rows, gateWidth, units, 1f, hidden, steps * stepWidth, recurrentWeights, gateWidth,
                        1f, stepGates, steps * gateWidth, threads: 1);
                }

                for (int n = first; n < first + rows; n++)
                {
                    nint at = (nint)n * steps + t;
                    float* hidden = layer.ReturnSequences ? y + at * units
                        : t + 1 < steps ? previousHidden + (at + 1) * stepWidth
                        : y + (nint)n * units;
                    GruCell.Forward(inputGates + at * gateWidth, recurrentGates + at * gateWidth, t > 0 ? previousHidden + at * stepWidth : null, hidden, units);
                    // h_t is also the next step's starting state; backward reads it there.
                    if (layer.ReturnSequences && t + 1 < steps) new ReadOnlySpan<float>(hidden, units).CopyTo(new Span<float>(previousHidden + (at + 1) * stepWidth, units));
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
        int units = Units, gateWidth = 3 * units, stepRows = batch * Steps, stepWidth = StepWidth;
        if (_inputGateGradients.Length < stepRows * gateWidth)
        {
            _inputGateGradients = new float[stepRows * gateWidth];
            _recurrentGateGradients = new float[stepRows * gateWidth];
        }
        if (_carriedGradients.Length < batch * units) _carriedGradients = new float[batch * units];
        if (_weightGradients.Length != stepWidth * gateWidth) _weightGradients = new float[stepWidth * gateWidth];

        // W_hhᵀ [3H, H]: the per-step product reads its weights row by row, in place. Backward runs on one training step at a
        // time, so the copy can be the layer's.
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
        fixed (float* groupWeightGradients = _groupWeightGradients)
        {
            var kernel = new BackwardGroups(this, layout, pScratch, pdy, recurrentTransposed, inputGateGradients, recurrentGateGradients,
                carriedGradients, groupWeightGradients, batch, groups);
            ParallelRange.Run(groups, context.Threads, kernel, grain: 1, minPerThread: 1);
        }

        // The groups' [dW_hh; db_hh], added in group order: the same sums for any thread count.
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

        // The input side over every step row at once: dW_ih (+)= Xᵀ·dGx, db_ih (+)= Σ dGx (rows added in order), dX (+)= dGx·W_ihᵀ.
        ReadOnlySpan<float> inputGateGradientRows = _inputGateGradients.AsSpan(0, stepRows * gateWidth);
        Gemm.Multiply(Transpose.Yes, Transpose.No, Features, gateWidth, stepRows, 1f, x, Features, inputGateGradientRows, gateWidth,
            overwrite ? 0f : 1f, InputWeights.Gradients, gateWidth, context.Threads);
        Span<float> inputBiasGradients = InputBias.Gradients;
        if (overwrite) inputGateGradientRows[..gateWidth].CopyTo(inputBiasGradients);
        for (int row = overwrite ? 1 : 0; row < stepRows; row++)
            TensorPrimitives.Add(inputBiasGradients, inputGateGradientRows.Slice(row * gateWidth, gateWidth), inputBiasGradients);
        if (!dx.IsEmpty)
        {
            Gemm.Multiply(Transpose.No, Transpose.Yes, stepRows, Features, gateWidth, 1f, inputGateGradientRows, gateWidth, InputWeights.Values, gateWidth,
                context.OverwriteInputGradient ? 0f : 1f, dx, Features, context.Threads);
        }
    }

    /// <summary>Groups [start, end) of rows backward through all T steps: their gates' gradients and their block of [dW_hh; db_hh].</summary>
    private readonly unsafe struct BackwardGroups(Gru layer, ScratchLayout layout, float* scratch, float* dy, float* recurrentTransposed,
        float* inputGateGradients, float* recurrentGateGradients, float* carriedGradients, float* groupWeightGradients, int batch, int groups)
        : IRangeKernel
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
                    float* outputGradient = layer.ReturnSequences ? dy + at * units : t == steps - 1 ? dy + (nint)n * units : null;
                    GruCell.Backward(gates + at * gateWidth, recurrentGates + at * gateWidth, t > 0 ? previousHidden + at * stepWidth : null,
                        outputGradient, carriedGradients + (nint)n * units, inputGateGradients + at * gateWidth, recurrentGateGradients + at * gateWidth, units);
                }
                if (t == 0) break; // h_{−1} is the constant 0: nothing to carry further

                // dh_{t−1}[rows, H] = dh ⊙ z (the cell left it in place) + dgh_t[rows, 3H]·W_hhᵀ.
                var stepGradients = new ReadOnlySpan<float>(recurrentGateGradients + ((nint)first * steps + t) * gateWidth, (rows - 1) * steps * gateWidth + gateWidth);
                Gemm.Multiply(Transpose.No, Transpose.No, rows, units, gateWidth, 1f, stepGradients, steps * gateWidth, weights, units,
                    1f, carried, units, threads: 1);
            }

            // [dW_hh; db_hh] of the group = [H_prev, 1]ᵀ·dGh over its rows·T step rows, which lie together in both.
            int blockRows = rows * steps;
            var stepInputs = new ReadOnlySpan<float>(previousHidden + (nint)first * steps * stepWidth, blockRows * stepWidth);
            var blockGradients = new ReadOnlySpan<float>(recurrentGateGradients + (nint)first * steps * gateWidth, blockRows * gateWidth);
            Gemm.Multiply(Transpose.Yes, Transpose.No, stepWidth, gateWidth, blockRows, 1f, stepInputs, stepWidth, blockGradients, gateWidth,
                0f, weightGradients, gateWidth, threads: 1);
        }
    }

    /// <summary>Where each block of a batch's scratch starts (see <see cref="ScratchSizePerSample"/>).</summary>
    private readonly struct ScratchLayout
    {
        public ScratchLayout(Gru layer, int batch)
        {
            int stepRows = batch * layer.Steps;
            StepInputs = 0;
            InputGates = stepRows * layer.StepWidth;
            RecurrentGates = InputGates + stepRows * 3 * layer.Units;
            Total = RecurrentGates + stepRows * 3 * layer.Units;
        }

        /// <summary>[h_{t−1}, 1], [batch, T, H + 1]: the state is zero at t = 0.</summary>
        public int StepInputs { get; }

        /// <summary>gx, then the activations z, r, n, [batch, T, 3H].</summary>
        public int InputGates { get; }

        /// <summary>gh = h_{t−1}·W_hh + b_hh, [batch, T, 3H].</summary>
        public int RecurrentGates { get; }

        /// <summary>Floats in all.</summary>
        public int Total { get; }
    }

    /// <summary>
    /// One ONNX GRU node (time-major, linear_before_reset = 1): the rows reshaped to [N, T, F] and transposed to [T, N, F];
    /// W and R the weights transposed to [3H, in] with the direction axis in front, B = [b_ih, b_hh]; then either Y
    /// [T, 1, N, H] transposed back to [N, T, 1, H], or the last state Y_h [1, N, H], as flat rows.
    /// </summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        var graph = context.Graph;
        foreach (var parameter in _parameters) graph.AddInitializer(parameter);

        string sequence = OnnxShapes.Reshaped(context, context.Input, "sequence", -1, Steps, Features), timeMajor = context.Tensor("time_major");
        context.AddNode("Transpose", [sequence], [timeMajor], OnnxNodeAttribute.Ints("perm", 1, 0, 2));

        string directionAxis = context.Tensor("direction_axis");
        graph.AddInt64Initializer(directionAxis, [1], [0]);
        string w = context.Tensor("W"), r = context.Tensor("R"), b = context.Tensor("B"), biases = context.Tensor("biases");
        string inputTransposed = context.Tensor("W_transposed"), recurrentTransposed = context.Tensor("R_transposed");
        context.AddNode("Transpose", [InputWeights.Name], [inputTransposed], OnnxNodeAttribute.Ints("perm", 1, 0));
        context.AddNode("Transpose", [RecurrentWeights.Name], [recurrentTransposed], OnnxNodeAttribute.Ints("perm", 1, 0));
        context.AddNode("Unsqueeze", [inputTransposed, directionAxis], [w]);
        context.AddNode("Unsqueeze", [recurrentTransposed, directionAxis], [r]);
        context.AddNode("Concat", [InputBias.Name, RecurrentBias.Name], [biases], OnnxNodeAttribute.Int("axis", 0));
        context.AddNode("Unsqueeze", [biases, directionAxis], [b]);

        var attributes = new[] { OnnxNodeAttribute.Int("hidden_size", Units), OnnxNodeAttribute.Int("linear_before_reset", 1) };
        if (ReturnSequences)
        {
            string states = context.Tensor("Y"), batchMajor = context.Tensor("batch_major");
            context.AddNode("GRU", [timeMajor, w, r, b], [states], attributes);
            context.AddNode("Transpose", [states], [batchMajor], OnnxNodeAttribute.Ints("perm", 2, 0, 1, 3));
            OnnxShapes.ToRows(context, batchMajor, OutputSize);
        }
        else
        {
            string last = context.Tensor("Y_h");
            context.AddNode("GRU", [timeMajor, w, r, b], ["", last], attributes);
            OnnxShapes.ToRows(context, last, OutputSize);
        }
    }
}
