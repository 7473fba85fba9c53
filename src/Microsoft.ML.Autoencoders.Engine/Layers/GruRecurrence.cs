using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// The GRU recurrence over a batch, forward and backward through time, that <see cref="Gru"/> (an input x_t at every step,
/// starting from a zero state) and <see cref="UnconditionedGruDecoder"/> (no input, starting from a state computed from a
/// code) both run; the layers own their parameters, the input side of the gates gx, and what comes out of the starting
/// state.
/// </summary>
/// <remarks>
/// Forward per group of rows (<see cref="RecurrentRowGroups"/>): each step one GEMM [rows, H]·[H, 3H] onto b_hh for
/// gh_t, then the cell (<see cref="GruCell"/>). Backward through time: the cell's gradient, then dh_{t−1} = dh ⊙ z +
/// dgh_t·W_hhᵀ, one GEMM per step; then [dW_hh; db_hh] = [H_prev, 1]ᵀ·dGh per group, the groups' sums added in group
/// order. The input side's gradients dGx are left for the layer (<see cref="InputGateGradients"/>), whose products over
/// the whole batch use them.
/// </remarks>
internal sealed unsafe class GruRecurrence(int steps, int units, bool returnSequences)
{
    // The backward pass's own buffers, grown once: the pre-activation gradients of gx and gh [batch, T, 3H], per row the
    // gradient carried to h_{t−1}, W_hhᵀ [3H, H] for the per-step product, [dW_hh; db_hh] [H + 1, 3H] per group and their sum.
    private float[] _inputGateGradients = [];
    private float[] _recurrentGateGradients = [];
    private float[] _carriedGradients = [];
    private float[] _recurrentTransposed = [];
    private float[] _groupWeightGradients = [];
    private float[] _weightGradients = [];

    /// <summary>T.</summary>
    public int Steps { get; } = steps;

    /// <summary>H.</summary>
    public int Units { get; } = units;

    /// <summary>True: every hidden state [T, H] is output; false: only the last one [H].</summary>
    public bool ReturnSequences { get; } = returnSequences;

    /// <summary>H + 1: the state h_{t−1} a step starts from and the constant 1 the recurrent bias multiplies.</summary>
    public int StepWidth => Units + 1;

    /// <summary>
    /// Per row, what backward reads: the hidden state each step started from beside a 1, [T, H + 1]; the gates' activations
    /// z, r, n [T, 3H]; the state's projections gh [T, 3H]. Each is one block [batch, T, ·] of a batch's scratch.
    /// </summary>
    public int ScratchSizePerSample => Steps * (StepWidth + 6 * Units);

    /// <summary>
    /// Runs the recurrence forward. Before it, the caller writes either the input side gx = x_t·W_ih + b_ih into
    /// <see cref="ScratchLayout.InputGates"/> (<paramref name="inputBias"/> empty) or nothing there (b_ih [3H] is then copied
    /// into each step's gx); and, with <paramref name="fromStartingStates"/>, each row's h_{−1} as its first step's state in
    /// <see cref="ScratchLayout.StepInputs"/> (else the state starts at zero).
    /// </summary>
    public void Forward(Span<float> scratch, Span<float> y, int batch, ReadOnlySpan<float> recurrentWeights, ReadOnlySpan<float> recurrentBias,
        ReadOnlySpan<float> inputBias, bool fromStartingStates, int threads)
    {
        var layout = new ScratchLayout(this, batch);
        int steps = Steps, units = Units, stepWidth = StepWidth, stepRows = batch * steps;
        Span<float> stepInputs = scratch.Slice(layout.StepInputs, stepRows * stepWidth);
        for (int row = 0; row < stepRows; row++) stepInputs[row * stepWidth + units] = 1f;
        if (!fromStartingStates)
        {
            for (int n = 0; n < batch; n++) stepInputs.Slice(n * steps * stepWidth, units).Clear(); // h_{−1} = 0
        }

        fixed (float* pScratch = scratch)
        fixed (float* py = y)
        fixed (float* recurrent = recurrentWeights)
        fixed (float* pRecurrentBias = recurrentBias)
        fixed (float* pInputBias = inputBias)
        {
            RecurrentRowGroups.Run(batch, threads, new ForwardGroup(this, layout, pScratch, py, recurrent, pRecurrentBias, inputBias.IsEmpty ? null : pInputBias,
                fromStartingStates));
        }
    }

    /// <summary>A group of rows through all T steps.</summary>
    private readonly struct ForwardGroup(GruRecurrence recurrence, ScratchLayout layout, float* scratch, float* y, float* recurrent, float* recurrentBias,
        float* inputBias, bool fromStartingStates) : IRecurrentRowGroup
    {
        public void NoRows(int group) { }

        public void Rows(int group, int first, int rows)
        {
            int steps = recurrence.Steps, units = recurrence.Units, gateWidth = 3 * units, stepWidth = recurrence.StepWidth;
            bool returnSequences = recurrence.ReturnSequences;
            float* inputGates = scratch + layout.InputGates, recurrentGates = scratch + layout.RecurrentGates, previousHidden = scratch + layout.StepInputs;
            var recurrentWeights = new ReadOnlySpan<float>(recurrent, gateWidth * units);
            var bias = new ReadOnlySpan<float>(recurrentBias, gateWidth);
            for (int t = 0; t < steps; t++)
            {
                // gh[rows, t, 3H] = b_hh + h_{t−1}[rows, H]·W_hh (only the bias at t = 0 from a zero state); with no input gx = b_ih.
                for (int n = first; n < first + rows; n++)
                {
                    nint at = (nint)n * steps + t;
                    if (inputBias != null) new ReadOnlySpan<float>(inputBias, gateWidth).CopyTo(new Span<float>(inputGates + at * gateWidth, gateWidth));
                    bias.CopyTo(new Span<float>(recurrentGates + at * gateWidth, gateWidth));
                }
                if (t > 0 || fromStartingStates)
                    RecurrentRowGroups.AddStateProduct(previousHidden, stepWidth, recurrentWeights, recurrentGates, gateWidth, units, first, rows, steps, t);

                for (int n = first; n < first + rows; n++)
                {
                    nint at = (nint)n * steps + t;
                    float* hidden = returnSequences ? y + at * units
                        : t + 1 < steps ? previousHidden + (at + 1) * stepWidth
                        : y + (nint)n * units;
                    GruCell.Forward(inputGates + at * gateWidth, recurrentGates + at * gateWidth,
                        t > 0 || fromStartingStates ? previousHidden + at * stepWidth : null, hidden, units);
                    // h_t is also the next step's starting state; backward reads it there.
                    if (returnSequences && t + 1 < steps) new ReadOnlySpan<float>(hidden, units).CopyTo(new Span<float>(previousHidden + (at + 1) * stepWidth, units));
                }
            }
        }
    }

    /// <summary>
    /// Runs the recurrence backward from the output gradients <paramref name="dy"/> and returns the batch's [dW_hh; db_hh]
    /// [H + 1, 3H] (valid until the next call); the input side's gradients are then in <see cref="InputGateGradients"/> and,
    /// with <paramref name="fromStartingStates"/>, each row's dh_{−1} in <see cref="StartingHiddenGradient"/>.
    /// </summary>
    public ReadOnlySpan<float> Backward(ReadOnlySpan<float> scratch, ReadOnlySpan<float> dy, int batch, ReadOnlySpan<float> recurrentWeights,
        bool fromStartingStates, int threads)
    {
        var layout = new ScratchLayout(this, batch);
        int units = Units, gateWidth = 3 * units, stepRows = batch * Steps, stepWidth = StepWidth;
        int groups = RecurrentRowGroups.GroupCount(batch), block = stepWidth * gateWidth;
        RecurrentRowGroups.Reserve(ref _inputGateGradients, stepRows * gateWidth);
        RecurrentRowGroups.Reserve(ref _recurrentGateGradients, stepRows * gateWidth);
        RecurrentRowGroups.Reserve(ref _carriedGradients, batch * units);
        RecurrentRowGroups.Reserve(ref _groupWeightGradients, groups * block);
        RecurrentRowGroups.Reserve(ref _weightGradients, block);

        // W_hhᵀ [3H, H]: the per-step product reads its weights row by row, in place. Backward runs on one training step at a
        // time, so the copy can be the recurrence's.
        RecurrentRowGroups.Reserve(ref _recurrentTransposed, gateWidth * units);
        RecurrentRowGroups.TransposeInto(recurrentWeights, units, gateWidth, _recurrentTransposed, units, 0);

        fixed (float* pScratch = scratch)
        fixed (float* pdy = dy)
        fixed (float* recurrentTransposed = _recurrentTransposed)
        fixed (float* inputGateGradients = _inputGateGradients)
        fixed (float* recurrentGateGradients = _recurrentGateGradients)
        fixed (float* carriedGradients = _carriedGradients)
        fixed (float* groupWeightGradients = _groupWeightGradients)
        {
            RecurrentRowGroups.Run(batch, threads, new BackwardGroup(this, layout, pScratch, pdy, fromStartingStates, recurrentTransposed, inputGateGradients,
                recurrentGateGradients, carriedGradients, groupWeightGradients));
        }

        Span<float> weightGradients = _weightGradients.AsSpan(0, block);
        RecurrentRowGroups.SumInGroupOrder(_groupWeightGradients, groups, weightGradients);
        return weightGradients;
    }

    /// <summary>dGx [batch·T, 3H] after a <see cref="Backward"/>: the gradients of the input side gx = x_t·W_ih + b_ih.</summary>
    public ReadOnlySpan<float> InputGateGradients(int batch) => _inputGateGradients.AsSpan(0, batch * Steps * 3 * Units);

    /// <summary>Row <paramref name="n"/>'s dh_{−1} [H] after a <see cref="Backward"/> from a starting state.</summary>
    public ReadOnlySpan<float> StartingHiddenGradient(int n) => _carriedGradients.AsSpan(n * Units, Units);

    /// <summary>A group of rows backward through all T steps: its gates' gradients and its block of [dW_hh; db_hh].</summary>
    private readonly struct BackwardGroup(GruRecurrence recurrence, ScratchLayout layout, float* scratch, float* dy, bool fromStartingStates,
        float* recurrentTransposed, float* inputGateGradients, float* recurrentGateGradients, float* carriedGradients, float* groupWeightGradients)
        : IRecurrentRowGroup
    {
        public void NoRows(int group)
        {
            int block = recurrence.StepWidth * 3 * recurrence.Units;
            new Span<float>(groupWeightGradients + (nint)group * block, block).Clear();
        }

        public void Rows(int group, int first, int rows)
        {
            int steps = recurrence.Steps, units = recurrence.Units, gateWidth = 3 * units, stepWidth = recurrence.StepWidth;
            bool returnSequences = recurrence.ReturnSequences;
            float* gates = scratch + layout.InputGates, recurrentGates = scratch + layout.RecurrentGates, previousHidden = scratch + layout.StepInputs;
            var carried = new Span<float>(carriedGradients + (nint)first * units, rows * units);
            carried.Clear();
            var weights = new ReadOnlySpan<float>(recurrentTransposed, gateWidth * units);
            for (int t = steps - 1; t >= 0; t--)
            {
                for (int n = first; n < first + rows; n++)
                {
                    nint at = (nint)n * steps + t;
                    float* outputGradient = returnSequences ? dy + at * units : t == steps - 1 ? dy + (nint)n * units : null;
                    GruCell.Backward(gates + at * gateWidth, recurrentGates + at * gateWidth, t > 0 || fromStartingStates ? previousHidden + at * stepWidth : null,
                        outputGradient, carriedGradients + (nint)n * units, inputGateGradients + at * gateWidth, recurrentGateGradients + at * gateWidth, units);
                }
                if (t == 0 && !fromStartingStates) break; // h_{−1} is the constant 0: nothing to carry further

                // dh_{t−1}[rows, H] = dh ⊙ z (the cell left it in place) + dgh_t[rows, 3H]·W_hhᵀ; after t = 0 it is dh_{−1}.
                RecurrentRowGroups.MultiplyStepGradients(recurrentGateGradients, gateWidth, weights, units, units, carried, 1f, first, rows, steps, t);
            }

            // [dW_hh; db_hh] of the group = [H_prev, 1]ᵀ·dGh over its rows·T step rows.
            int block = stepWidth * gateWidth;
            RecurrentRowGroups.GroupParameterGradients(previousHidden, stepWidth, recurrentGateGradients, gateWidth, first, rows, steps,
                new Span<float>(groupWeightGradients + (nint)group * block, block));
        }
    }

    /// <summary>Where each block of a batch's scratch starts (see <see cref="ScratchSizePerSample"/>).</summary>
    public readonly struct ScratchLayout
    {
        public ScratchLayout(GruRecurrence recurrence, int batch)
        {
            int stepRows = batch * recurrence.Steps;
            StepInputs = 0;
            InputGates = stepRows * recurrence.StepWidth;
            RecurrentGates = InputGates + stepRows * 3 * recurrence.Units;
            Total = RecurrentGates + stepRows * 3 * recurrence.Units;
        }

        /// <summary>[h_{t−1}, 1], [batch, T, H + 1].</summary>
        public int StepInputs { get; }

        /// <summary>gx, then the activations z, r, n, [batch, T, 3H].</summary>
        public int InputGates { get; }

        /// <summary>gh = h_{t−1}·W_hh + b_hh, [batch, T, 3H].</summary>
        public int RecurrentGates { get; }

        /// <summary>Floats in all.</summary>
        public int Total { get; }
    }
}
