using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// The LSTM recurrence over a batch, forward and backward through time, that <see cref="Lstm"/> (an input x_t at every step,
/// starting from zero states) and <see cref="UnconditionedLstmDecoder"/> (no input, F = 0, starting from states computed
/// from a code) both run; the layers own their parameters, what goes into the gates before the recurrence, and what
/// comes out of the starting states.
/// </summary>
/// <remarks>
/// Forward: per step, one GEMM [rows, H]·[H, 4H] adds h_{t−1}·W_hh to the gates (which already hold the step's input
/// projection and bias, or get the bias copied in first), then the cell's element-wise update (<see cref="LstmCell"/>).
/// Backward mirrors it: per step the cell's gradient and one GEMM [rows, 4H]·[4H, F + H] for [dx_t, dh_{t−1}] (dx_t while
/// dz_t is still in cache, so no product reads dZ again for it); then every parameter gradient of the group's steps at
/// once, [dW_ih; dW_hh; db] = [X, H_prev, 1]ᵀ·dZ over its rows·T rows, one GEMM that reads the group's dZ (1 MB at batch
/// 128, T 64, H 64) from cache rather than all of dZ from memory; each step's input, starting state and a constant 1, the
/// bias's input, lie side by side in the scratch for it. Groups of rows as <see cref="RecurrentRowGroups"/> cuts them.
/// </remarks>
internal sealed unsafe class LstmRecurrence(int steps, int features, int units, bool returnSequences)
{
    // The backward pass's own buffers, grown once: the gates' pre-activation gradients [batch, T, 4H], per row the gradients
    // reaching the cell state, per row [dx_t, dh_{t−1}] as the per-step product gives them, [W_ih; W_hh]ᵀ [4H, F + H] for
    // that product, and [dW_ih; dW_hh; db] [F + H + 1, 4H] as each group's product gives them, then their sum.
    private float[] _gateGradients = [];
    private float[] _groupWeightGradients = [];
    private float[] _weightGradients = [];
    private float[] _weightsTransposed = [];
    private float[] _cellGradients = [];
    private float[] _stepGradients = [];

    /// <summary>T.</summary>
    public int Steps { get; } = steps;

    /// <summary>F, the features of a step's input (0 for a recurrence with no input).</summary>
    public int Features { get; } = features;

    /// <summary>H.</summary>
    public int Units { get; } = units;

    /// <summary>True: every hidden state [T, H] is output; false: only the last one [H].</summary>
    public bool ReturnSequences { get; } = returnSequences;

    /// <summary>F + H + 1: a step's input x_t, the state h_{t−1} it starts from, and the constant 1 the bias multiplies.</summary>
    public int StepWidth => Features + Units + 1;

    /// <summary>
    /// Per row: each step's input beside the hidden state the step started from and a 1, [T, F + H + 1]; the gates'
    /// activations [T, 4H], the cell states [T, H] and their tanh [T, H]. The scratch of a batch holds each of these as one
    /// block [batch, T, ·], so the products over all steps read them as plain matrices.
    /// </summary>
    public int ScratchSizePerSample => Steps * (StepWidth + 6 * Units);

    /// <summary>
    /// Runs the recurrence forward. Before it, the caller writes each step's [x_t, ·, 1] into <see cref="ScratchLayout.StepInputs"/>
    /// and either the gates' input projection and bias into <see cref="ScratchLayout.Gates"/> (<paramref name="stepBias"/>
    /// empty) or nothing there (the bias b [4H] is then copied into each step's gates). With
    /// <paramref name="fromStartingStates"/> the rows' [h_{−1}, c_{−1}] [batch, 2H] lie right after the recurrence's blocks
    /// (at <see cref="ScratchLayout.Total"/>), h_{−1} also written as the first step's state; else the states start at zero.
    /// </summary>
    public void Forward(Span<float> scratch, Span<float> y, int batch, ReadOnlySpan<float> recurrentWeights, ReadOnlySpan<float> stepBias,
        bool fromStartingStates, int threads)
    {
        var layout = new ScratchLayout(this, batch);
        fixed (float* pScratch = scratch)
        fixed (float* py = y)
        fixed (float* recurrent = recurrentWeights)
        fixed (float* bias = stepBias)
        {
            RecurrentRowGroups.Run(batch, threads, new ForwardGroup(this, layout, pScratch, py, recurrent, stepBias.IsEmpty ? null : bias,
                fromStartingStates ? pScratch + layout.Total : null));
        }
    }

    /// <summary>A group of rows through all T steps.</summary>
    private readonly struct ForwardGroup(LstmRecurrence recurrence, ScratchLayout layout, float* scratch, float* y, float* recurrent, float* bias,
        float* startingStates) : IRecurrentRowGroup
    {
        public void NoRows(int group) { }

        public void Rows(int group, int first, int rows)
        {
            int steps = recurrence.Steps, units = recurrence.Units, gateWidth = 4 * units, stepWidth = recurrence.StepWidth;
            bool returnSequences = recurrence.ReturnSequences;
            float* gates = scratch + layout.Gates, cells = scratch + layout.Cells, tanhCells = scratch + layout.TanhCells;
            float* previousHidden = scratch + layout.StepInputs + recurrence.Features; // h_{t−1} of row n, step t: + (n·T + t)·stepWidth
            var recurrentWeights = new ReadOnlySpan<float>(recurrent, gateWidth * units);
            for (int t = 0; t < steps; t++)
            {
                if (bias != null)
                {
                    for (int n = first; n < first + rows; n++) new ReadOnlySpan<float>(bias, gateWidth).CopyTo(new Span<float>(gates + ((nint)n * steps + t) * gateWidth, gateWidth));
                }
                // gates[rows, t, 4H] += h_{t−1}[rows, H]·W_hh (nothing to add at t = 0 from zero states).
                if (t > 0 || startingStates != null)
                    RecurrentRowGroups.AddStateProduct(previousHidden, stepWidth, recurrentWeights, gates, gateWidth, units, first, rows, steps, t);

                for (int n = first; n < first + rows; n++)
                {
                    nint at = (nint)n * steps + t; // row n's step t, in units of one step's values
                    float* cell = cells + at * units;
                    float* previousCell = t > 0 ? cell - units : startingStates != null ? startingStates + (nint)n * 2 * units + units : null;
                    float* hidden = returnSequences ? y + at * units
                        : t + 1 < steps ? previousHidden + (at + 1) * stepWidth
                        : y + (nint)n * units;
                    if (t == 0 && startingStates == null) new Span<float>(previousHidden + at * stepWidth, units).Clear();
                    LstmCell.Forward(gates + at * gateWidth, previousCell, cell, tanhCells + at * units, hidden, units);
                    // h_t is also the next step's starting state; backward reads it there.
                    if (returnSequences && t + 1 < steps) new ReadOnlySpan<float>(hidden, units).CopyTo(new Span<float>(previousHidden + (at + 1) * stepWidth, units));
                }
            }
        }
    }

    /// <summary>
    /// Runs the recurrence backward from the output gradients <paramref name="dy"/>: writes (or adds to, unless
    /// <paramref name="overwriteInput"/>) the input gradients <paramref name="dx"/> when it is not empty, and returns the
    /// batch's [dW_ih; dW_hh; db] [F + H + 1, 4H] (valid until the next call). With <paramref name="fromStartingStates"/> as in
    /// <see cref="Forward"/>, the starting states' gradients are then in <see cref="StartingHiddenGradient"/> and
    /// <see cref="StartingCellGradient"/>.
    /// </summary>
    public ReadOnlySpan<float> Backward(ReadOnlySpan<float> scratch, ReadOnlySpan<float> dy, Span<float> dx, int batch, ReadOnlySpan<float> inputWeights,
        ReadOnlySpan<float> recurrentWeights, bool fromStartingStates, bool overwriteInput, int threads)
    {
        var layout = new ScratchLayout(this, batch);
        int gateWidth = 4 * Units, stepWidth = StepWidth;
        int inputs = Features + Units; // the columns of [dx_t, dh_{t−1}]
        int groups = RecurrentRowGroups.GroupCount(batch), block = stepWidth * gateWidth;
        RecurrentRowGroups.Reserve(ref _gateGradients, batch * Steps * gateWidth);
        RecurrentRowGroups.Reserve(ref _cellGradients, batch * Units);
        RecurrentRowGroups.Reserve(ref _stepGradients, batch * inputs);
        RecurrentRowGroups.Reserve(ref _groupWeightGradients, groups * block);
        RecurrentRowGroups.Reserve(ref _weightGradients, block);

        // [W_ih; W_hh]ᵀ: the per-step product then reads its weights row by row, in place. Backward runs on one training step
        // at a time (never concurrently, unlike inference), so the copy can be the recurrence's.
        RecurrentRowGroups.Reserve(ref _weightsTransposed, inputs * gateWidth);
        RecurrentRowGroups.TransposeInto(inputWeights, Features, gateWidth, _weightsTransposed, inputs, 0);
        RecurrentRowGroups.TransposeInto(recurrentWeights, Units, gateWidth, _weightsTransposed, inputs, Features);

        fixed (float* pScratch = scratch)
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        fixed (float* weightsTransposed = _weightsTransposed)
        fixed (float* gateGradients = _gateGradients)
        fixed (float* cellGradients = _cellGradients)
        fixed (float* stepGradients = _stepGradients)
        fixed (float* groupWeightGradients = _groupWeightGradients)
        {
            RecurrentRowGroups.Run(batch, threads, new BackwardGroup(this, layout, pScratch, pdy, dx.IsEmpty ? null : pdx, overwriteInput,
                fromStartingStates, weightsTransposed, gateGradients, cellGradients, stepGradients, groupWeightGradients));
        }

        Span<float> weightGradients = _weightGradients.AsSpan(0, block);
        RecurrentRowGroups.SumInGroupOrder(_groupWeightGradients, groups, weightGradients);
        return weightGradients;
    }

    /// <summary>Row <paramref name="n"/>'s dh_{−1} [H] after a <see cref="Backward"/> from starting states.</summary>
    public ReadOnlySpan<float> StartingHiddenGradient(int n) => _stepGradients.AsSpan(n * (Features + Units) + Features, Units);

    /// <summary>Row <paramref name="n"/>'s dc_{−1} [H] after a <see cref="Backward"/> from starting states.</summary>
    public ReadOnlySpan<float> StartingCellGradient(int n) => _cellGradients.AsSpan(n * Units, Units);

    /// <summary>
    /// A group of rows backward through all T steps, writing its gates' gradients, its block of [dW_ih; dW_hh; db] and, when
    /// <paramref name="dx"/> is not null, its input gradients (over the old values when <paramref name="overwriteInput"/>, else
    /// added to them).
    /// </summary>
    private readonly struct BackwardGroup(LstmRecurrence recurrence, ScratchLayout layout, float* scratch, float* dy, float* dx, bool overwriteInput,
        bool fromStartingStates, float* weightsTransposed, float* gateGradients, float* cellGradients, float* stepGradients, float* groupWeightGradients)
        : IRecurrentRowGroup
    {
        public void NoRows(int group)
        {
            int block = recurrence.StepWidth * 4 * recurrence.Units;
            new Span<float>(groupWeightGradients + (nint)group * block, block).Clear();
        }

        public void Rows(int group, int first, int rows)
        {
            int steps = recurrence.Steps, units = recurrence.Units, features = recurrence.Features, gateWidth = 4 * units, inputs = features + units;
            bool returnSequences = recurrence.ReturnSequences;
            float* gates = scratch + layout.Gates, cells = scratch + layout.Cells, tanhCells = scratch + layout.TanhCells;
            float* startingCells = fromStartingStates ? scratch + layout.Total + units : null; // c_{−1} of row n: + n·2H
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
                    float* outputGradient = returnSequences ? dy + at * units : t == steps - 1 ? dy + (nint)n * units : null;
                    float* recurrentGradient = t < steps - 1 ? stepGradients + (nint)n * inputs + features : null;
                    float* previousCell = t > 0 ? cells + (at - 1) * units : startingCells != null ? startingCells + (nint)n * 2 * units : null;
                    LstmCell.Backward(gates + at * gateWidth, previousCell, tanhCells + at * units,
                        outputGradient, recurrentGradient, cellGradients + (nint)n * units, gateGradients + at * gateWidth, units);
                }

                // [dx_t, dh_{t−1}][rows, F + H] = dz_t[rows, 4H]·[W_ih; W_hh]ᵀ, written over the rows' previous values; at the
                // first step dh_{−1} is wanted only from starting states.
                int columns = t > 0 || fromStartingStates ? inputs - skipped : features - skipped;
                if (columns == 0) break;
                RecurrentRowGroups.MultiplyStepGradients(gateGradients, gateWidth, weights, inputs, columns, output, 0f, first, rows, steps, t);
                if (dx == null) continue;
                for (int n = first; n < first + rows; n++)
                {
                    var inputGradient = new ReadOnlySpan<float>(stepGradients + (nint)n * inputs, features);
                    RecurrentRowGroups.Accumulate(inputGradient, new Span<float>(dx + ((nint)n * steps + t) * features, features), overwriteInput);
                }
            }

            // [dW_ih; dW_hh; db] of the group = [X, H_prev, 1]ᵀ·dZ over its rows·T step rows.
            int stepWidth = recurrence.StepWidth, block = stepWidth * gateWidth;
            RecurrentRowGroups.GroupParameterGradients(scratch + layout.StepInputs, stepWidth, gateGradients, gateWidth, first, rows, steps,
                new Span<float>(groupWeightGradients + (nint)group * block, block));
        }
    }

    /// <summary>Where each block of a batch's scratch starts (see <see cref="ScratchSizePerSample"/>).</summary>
    public readonly struct ScratchLayout
    {
        public ScratchLayout(LstmRecurrence recurrence, int batch)
        {
            int stepRows = batch * recurrence.Steps;
            StepInputs = 0;
            Gates = stepRows * recurrence.StepWidth;
            Cells = Gates + stepRows * 4 * recurrence.Units;
            TanhCells = Cells + stepRows * recurrence.Units;
            Total = TanhCells + stepRows * recurrence.Units;
        }

        /// <summary>[x_t, h_{t−1}, 1], [batch, T, F + H + 1].</summary>
        public int StepInputs { get; }

        /// <summary>The gates' pre-activations, then activations, [batch, T, 4H].</summary>
        public int Gates { get; }

        /// <summary>c_t, [batch, T, H].</summary>
        public int Cells { get; }

        /// <summary>tanh(c_t), [batch, T, H].</summary>
        public int TanhCells { get; }

        /// <summary>Floats in all (a layer's own blocks, such as starting states, go after).</summary>
        public int Total { get; }
    }
}
