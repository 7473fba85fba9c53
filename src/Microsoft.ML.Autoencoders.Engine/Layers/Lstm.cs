using System.Numerics.Tensors;
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
/// scratch; the recurrence then adds h_{t−1}·W_hh one step at a time, a GEMM [rows, H]·[H, 4H] per step, and runs the
/// cell's element-wise update (<see cref="LstmCell"/>). Backward through time mirrors it: per step the cell's gradient and one
/// GEMM [rows, 4H]·[4H, F + H] for [dx_t, dh_{t−1}] (dx_t while dz_t is still in cache, so no product reads dZ again for it);
/// then every parameter gradient of the group's steps at once, [dW_ih; dW_hh; db] = [X, H_prev, 1]ᵀ·dZ over its rows·T rows,
/// one GEMM that reads the group's dZ (1 MB at batch 128, T 64, H 64) from cache rather than all of dZ from memory; each
/// step's input, starting state and a constant 1, the bias's input, lie side by side in the scratch for it. The groups'
/// sums are added in group order.</para>
/// <para>The recurrence splits the batch into groups of rows that depend only on the batch size, each group running all T
/// steps on one thread: no barrier per step, and the same bits for any thread count.</para>
/// <para>The weights are stored [in, 4H] as <see cref="Dense"/>'s and Keras' are, so every per-step product reads its
/// weights untransposed: with up to 16 rows the GEMM then reads them in place, packing nothing (backward keeps
/// [W_ih; W_hh]ᵀ for its per-step product). ONNX's W, R [4H, in] are their transposes, written by the export. One
/// bias, as Keras has: PyTorch's second (recurrent) bias only adds to the first.</para>
/// </remarks>
public sealed class Lstm : Layer
{
    /// <summary>
    /// Most rows per group of the recurrence (the batch is cut evenly into as few groups as that allows). Up to 16 rows the
    /// per-step GEMMs take their small-rows path, which reads the weights where they lie instead of packing them every step.
    /// </summary>
    internal const int RowsPerGroup = 16;

    private readonly Parameter[] _parameters;

    // The backward pass's own buffers, grown once: the gates' pre-activation gradients [batch, T, 4H], per row the gradients
    // reaching the cell state, per row [dx_t, dh_{t−1}] as the per-step product gives them, [W_ih; W_hh]ᵀ [4H, F + H] for
    // that product, and [dW_ih; dW_hh; db] [F + H + 1, 4H] as each group's product gives them, then their sum.
    private float[] _gateGradients = [];
    private float[] _groupWeightGradients = [];
    private float[] _weightGradients = [];
    private float[] _weightsTransposed = [];
    private float[] _cellGradients = [];
    private float[] _stepGradients = [];

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

    /// <summary>
    /// Per row, what backward reads: each step's input beside the hidden state the step started from (zero at the first step)
    /// and a 1, [T, F + H + 1]; the gates' activations [T, 4H], the cell states [T, H] and their tanh [T, H]. The
    /// scratch of a batch holds each of these as one block [batch, T, ·], so the products over all steps read them as plain
    /// matrices.
    /// </summary>
    public override int ScratchSizePerSample => Steps * (StepWidth + 6 * Units);

    /// <summary>F + H + 1: a step's input x_t, the state h_{t−1} it starts from, and the constant 1 the bias multiplies.</summary>
    private int StepWidth => Features + Units + 1;

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

    /// <summary>The number of row groups the recurrence splits a batch into: it depends on the batch alone (see the remarks).</summary>
    internal static int GroupCount(int batch) => Math.Max(1, (batch + RowsPerGroup - 1) / RowsPerGroup);

    /// <inheritdoc/>
    public override unsafe void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        var layout = new ScratchLayout(this, batch);
        if (scratch.Length < layout.Total) throw new ArgumentException($"The scratch must hold {layout.Total} values for {batch} rows.", nameof(scratch));
        int steps = Steps, gateWidth = 4 * Units, stepRows = batch * steps, stepWidth = StepWidth;
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

        int groups = GroupCount(batch);
        fixed (float* pScratch = scratch)
        fixed (float* py = y)
        fixed (float* recurrent = RecurrentWeights.Values)
        {
            ParallelRange.Run(groups, context.Threads, new ForwardGroups(this, layout, pScratch, py, recurrent, batch, groups), grain: 1, minPerThread: 1);
        }
    }

    /// <summary>Groups [start, end) of rows through all T steps.</summary>
    private readonly unsafe struct ForwardGroups(Lstm layer, ScratchLayout layout, float* scratch, float* y, float* recurrent, int batch, int groups)
        : IRangeKernel
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
            float* previousHidden = scratch + layout.StepInputs + layer.Features; // h_{t−1} of row n, step t: + (n·T + t)·stepWidth
            var recurrentWeights = new ReadOnlySpan<float>(recurrent, gateWidth * units);
            for (int t = 0; t < steps; t++)
            {
                if (t > 0)
                {
                    // gates[rows, t, 4H] += h_{t−1}[rows, H]·W_hh: rows lie T steps apart in both.
                    var hidden = new ReadOnlySpan<float>(previousHidden + ((nint)first * steps + t) * stepWidth, (rows - 1) * steps * stepWidth + units);
                    var stepGates = new Span<float>(gates + ((nint)first * steps + t) * gateWidth, (rows - 1) * steps * gateWidth + gateWidth);
                    Gemm.Multiply(Transpose.No, Transpose.No, rows, gateWidth, units, 1f, hidden, steps * stepWidth, recurrentWeights, gateWidth,
                        1f, stepGates, steps * gateWidth, threads: 1);
                }

                for (int n = first; n < first + rows; n++)
                {
                    nint at = (nint)n * steps + t; // row n's step t, in units of one step's values
                    float* cell = cells + at * units;
                    float* hidden = layer.ReturnSequences ? y + at * units
                        : t + 1 < steps ? previousHidden + (at + 1) * stepWidth
                        : y + (nint)n * units;
                    if (t == 0) new Span<float>(previousHidden + at * stepWidth, units).Clear();
                    LstmCell.Forward(gates + at * gateWidth, t > 0 ? cell - units : null, cell, tanhCells + at * units, hidden, units);
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
        int steps = Steps, units = Units, gateWidth = 4 * units, stepRows = batch * steps, stepWidth = StepWidth;
        if (_gateGradients.Length < stepRows * gateWidth) _gateGradients = new float[stepRows * gateWidth];
        if (_weightGradients.Length != stepWidth * gateWidth) _weightGradients = new float[stepWidth * gateWidth];
        int inputs = Features + units; // the columns of [dx_t, dh_{t−1}]
        if (_cellGradients.Length < batch * units)
        {
            _cellGradients = new float[batch * units];
            _stepGradients = new float[batch * inputs];
        }

        // [W_ih; W_hh]ᵀ: the per-step product then reads its weights row by row, in place. Backward runs on one training step
        // at a time (never concurrently, unlike inference), so the copy can be the layer's.
        if (_weightsTransposed.Length != inputs * gateWidth) _weightsTransposed = new float[inputs * gateWidth];
        ReadOnlySpan<float> inputWeights = InputWeights.Values, recurrentWeights = RecurrentWeights.Values;
        for (int j = 0; j < gateWidth; j++)
        {
            for (int k = 0; k < Features; k++) _weightsTransposed[j * inputs + k] = inputWeights[k * gateWidth + j];
            for (int k = 0; k < units; k++) _weightsTransposed[j * inputs + Features + k] = recurrentWeights[k * gateWidth + j];
        }

        int groups = GroupCount(batch), block = stepWidth * gateWidth;
        if (_groupWeightGradients.Length < groups * block) _groupWeightGradients = new float[groups * block];
        fixed (float* pScratch = scratch)
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        fixed (float* weightsTransposed = _weightsTransposed)
        fixed (float* gateGradients = _gateGradients)
        fixed (float* cellGradients = _cellGradients)
        fixed (float* stepGradients = _stepGradients)
        fixed (float* groupWeightGradients = _groupWeightGradients)
        {
            var kernel = new BackwardGroups(this, layout, pScratch, pdy, dx.IsEmpty ? null : pdx, context.OverwriteInputGradient, weightsTransposed,
                gateGradients, cellGradients, stepGradients, groupWeightGradients, batch, groups);
            ParallelRange.Run(groups, context.Threads, kernel, grain: 1, minPerThread: 1);
        }

        // The groups' [dW_ih; dW_hh; db], added in group order: the same sums for any thread count.
        _groupWeightGradients.AsSpan(0, block).CopyTo(_weightGradients);
        for (int group = 1; group < groups; group++)
            TensorPrimitives.Add(_weightGradients, _groupWeightGradients.AsSpan(group * block, block), _weightGradients);
        ReadOnlySpan<float> inputWeightGradients = _weightGradients.AsSpan(0, Features * gateWidth);
        ReadOnlySpan<float> recurrentWeightGradients = _weightGradients.AsSpan(Features * gateWidth, units * gateWidth);
        ReadOnlySpan<float> biasGradients = _weightGradients.AsSpan((Features + units) * gateWidth, gateWidth);
        if (context.OverwriteParameterGradients)
        {
            inputWeightGradients.CopyTo(InputWeights.Gradients);
            recurrentWeightGradients.CopyTo(RecurrentWeights.Gradients);
            biasGradients.CopyTo(Bias.Gradients);
        }
        else
        {
            TensorPrimitives.Add(InputWeights.Gradients, inputWeightGradients, InputWeights.Gradients);
            TensorPrimitives.Add(RecurrentWeights.Gradients, recurrentWeightGradients, RecurrentWeights.Gradients);
            TensorPrimitives.Add(Bias.Gradients, biasGradients, Bias.Gradients);
        }
    }

    /// <summary>
    /// Groups [start, end) of rows backward through all T steps, writing their gates' gradients and, when <paramref name="dx"/>
    /// is not null, their input gradients (over the old values when <paramref name="overwriteInput"/>, else added to them).
    /// </summary>
    private readonly unsafe struct BackwardGroups(Lstm layer, ScratchLayout layout, float* scratch, float* dy, float* dx, bool overwriteInput,
        float* weightsTransposed, float* gateGradients, float* cellGradients, float* stepGradients, float* groupWeightGradients, int batch, int groups)
        : IRangeKernel
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
            int steps = layer.Steps, units = layer.Units, features = layer.Features, gateWidth = 4 * units, inputs = features + units;
            float* gates = scratch + layout.Gates, cells = scratch + layout.Cells, tanhCells = scratch + layout.TanhCells;
            new Span<float>(cellGradients + (nint)first * units, rows * units).Clear();
            // Without an input gradient the product needs only the dh_{t−1} columns: the weights' and the output's last H.
            int skipped = dx == null ? features : 0;
            var weights = new ReadOnlySpan<float>(weightsTransposed + skipped, gateWidth * inputs - skipped);
            var output = new Span<float>(stepGradients + (nint)first * inputs + skipped, rows * inputs - skipped);
            for (int t = steps - 1; t >= 0; t--)
            {
                for (int n = first; n < first + rows; n++)
                {
                    nint at = (nint)n * steps + t;
                    float* outputGradient = layer.ReturnSequences ? dy + at * units : t == steps - 1 ? dy + (nint)n * units : null;
                    float* recurrentGradient = t < steps - 1 ? stepGradients + (nint)n * inputs + features : null;
                    LstmCell.Backward(gates + at * gateWidth, t > 0 ? cells + (at - 1) * units : null, tanhCells + at * units,
                        outputGradient, recurrentGradient, cellGradients + (nint)n * units, gateGradients + at * gateWidth, units);
                }

                // [dx_t, dh_{t−1}][rows, F + H] = dz_t[rows, 4H]·[W_ih; W_hh]ᵀ, written over the rows' previous values; at the
                // first step only dx_0 is left to find.
                int columns = t > 0 ? inputs - skipped : features - skipped;
                if (columns == 0) break;
                var stepGateGradients = new ReadOnlySpan<float>(gateGradients + ((nint)first * steps + t) * gateWidth, (rows - 1) * steps * gateWidth + gateWidth);
                Gemm.Multiply(Transpose.No, Transpose.No, rows, columns, gateWidth, 1f, stepGateGradients, steps * gateWidth, weights, inputs,
                    0f, output, inputs, threads: 1);
                if (dx == null) continue;
                for (int n = first; n < first + rows; n++)
                {
                    var inputGradient = new ReadOnlySpan<float>(stepGradients + (nint)n * inputs, features);
                    var destination = new Span<float>(dx + ((nint)n * steps + t) * features, features);
                    if (overwriteInput) inputGradient.CopyTo(destination);
                    else TensorPrimitives.Add(destination, inputGradient, destination);
                }
            }

            // [dW_ih; dW_hh; db] of the group = [X, H_prev, 1]ᵀ·dZ over its rows·T step rows, which lie together in both.
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
        public ScratchLayout(Lstm layer, int batch)
        {
            int stepRows = batch * layer.Steps;
            StepInputs = 0;
            Gates = stepRows * layer.StepWidth;
            Cells = Gates + stepRows * 4 * layer.Units;
            TanhCells = Cells + stepRows * layer.Units;
            Total = TanhCells + stepRows * layer.Units;
        }

        /// <summary>[x_t, h_{t−1}, 1], [batch, T, F + H + 1]: the state is zero at t = 0.</summary>
        public int StepInputs { get; }

        /// <summary>The gates' pre-activations, then activations, [batch, T, 4H].</summary>
        public int Gates { get; }

        /// <summary>c_t, [batch, T, H].</summary>
        public int Cells { get; }

        /// <summary>tanh(c_t), [batch, T, H].</summary>
        public int TanhCells { get; }

        /// <summary>Floats in all.</summary>
        public int Total { get; }
    }

    /// <summary>
    /// One ONNX LSTM node (opset 14's, default layout: time-major), so any runtime's LSTM kernel scores it: the rows
    /// reshaped to [N, T, F] and transposed to [T, N, F]; W and R the weights transposed to [4H, in] with the direction axis
    /// in front, B = [b, 0] (ONNX's Wb and Rb); then either Y [T, 1, N, H] transposed back to [N, T, 1, H], or the last state
    /// Y_h [1, N, H], as flat rows. The weight nodes read only initializers, so runtimes fold them away at load.
    /// </summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        var graph = context.Graph;
        graph.AddInitializer(InputWeights);
        graph.AddInitializer(RecurrentWeights);
        graph.AddInitializer(Bias);

        string sequence = OnnxShapes.Reshaped(context, context.Input, "sequence", -1, Steps, Features), timeMajor = context.Tensor("time_major");
        context.AddNode("Transpose", [sequence], [timeMajor], OnnxNodeAttribute.Ints("perm", 1, 0, 2));

        string directionAxis = context.Tensor("direction_axis");
        graph.AddInt64Initializer(directionAxis, [1], [0]);
        string w = context.Tensor("W"), r = context.Tensor("R"), b = context.Tensor("B");
        string recurrentBias = context.Tensor("recurrent_bias"), biases = context.Tensor("biases");
        graph.AddInitializer(recurrentBias, [4 * Units], new float[4 * Units]);
        string inputTransposed = context.Tensor("W_transposed"), recurrentTransposed = context.Tensor("R_transposed");
        context.AddNode("Transpose", [InputWeights.Name], [inputTransposed], OnnxNodeAttribute.Ints("perm", 1, 0));
        context.AddNode("Transpose", [RecurrentWeights.Name], [recurrentTransposed], OnnxNodeAttribute.Ints("perm", 1, 0));
        context.AddNode("Unsqueeze", [inputTransposed, directionAxis], [w]);
        context.AddNode("Unsqueeze", [recurrentTransposed, directionAxis], [r]);
        context.AddNode("Concat", [Bias.Name, recurrentBias], [biases], OnnxNodeAttribute.Int("axis", 0));
        context.AddNode("Unsqueeze", [biases, directionAxis], [b]);

        if (ReturnSequences)
        {
            string states = context.Tensor("Y"), batchMajor = context.Tensor("batch_major");
            context.AddNode("LSTM", [timeMajor, w, r, b], [states], OnnxNodeAttribute.Int("hidden_size", Units));
            context.AddNode("Transpose", [states], [batchMajor], OnnxNodeAttribute.Ints("perm", 2, 0, 1, 3));
            OnnxShapes.ToRows(context, batchMajor, OutputSize);
        }
        else
        {
            string last = context.Tensor("Y_h");
            context.AddNode("LSTM", [timeMajor, w, r, b], ["", last], OnnxNodeAttribute.Int("hidden_size", Units));
            OnnxShapes.ToRows(context, last, OutputSize);
        }
    }
}
