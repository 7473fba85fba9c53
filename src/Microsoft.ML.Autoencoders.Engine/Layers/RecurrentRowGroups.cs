using System.Numerics.Tensors;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A group's work on its rows through all T steps, run by <see cref="RecurrentRowGroups.Run"/>: a recurrent layer's forward
/// or backward pass, one implementation per layer and direction.
/// </summary>
internal interface IRecurrentRowGroup
{
    /// <summary>Runs group <paramref name="group"/>, rows [<paramref name="first"/>, <paramref name="first"/> + <paramref name="rows"/>).</summary>
    void Rows(int group, int first, int rows);

    /// <summary>Group <paramref name="group"/> has no rows (only in a batch of none): whatever it writes must still be written.</summary>
    void NoRows(int group);
}

/// <summary>
/// What the recurrent layers (<see cref="Lstm"/>, <see cref="Gru"/> and their unconditioned decoders) share about running a
/// recurrence over a batch: how the batch is cut into groups of rows, the per-step products on a group's rows, the product
/// that gives a group's parameter gradients over all its steps, and the group-ordered sum of those.
/// </summary>
/// <remarks>
/// <para>The recurrence splits the batch into groups of rows that depend only on the batch size, each group running all T
/// steps on one thread: no barrier per step, and the same bits for any thread count (each group's parameter gradients are
/// its own block, added in group order).</para>
/// <para>Every per-step block of the scratch is laid out [batch, T, width], so a group's rows at step t lie T·width floats
/// apart: each per-step product reads and writes them in place with that leading dimension, and the parameter-gradient
/// product over all of a group's steps reads its rows·T step rows as one plain matrix.</para>
/// </remarks>
internal static unsafe class RecurrentRowGroups
{
    /// <summary>
    /// Most rows per group (the batch is cut evenly into as few groups as that allows). Up to 16 rows the per-step GEMMs
    /// take their small-rows path, which reads the weights where they lie instead of packing them every step.
    /// </summary>
    internal const int RowsPerGroup = 16;

    /// <summary>The number of groups a batch is cut into: it depends on the batch alone, never on the threads.</summary>
    internal static int GroupCount(int batch) => Math.Max(1, (batch + RowsPerGroup - 1) / RowsPerGroup);

    /// <summary>Runs every group of the batch on up to <paramref name="threads"/> threads, one group per thread at a time.</summary>
    internal static void Run<TGroup>(int batch, int threads, TGroup group) where TGroup : struct, IRecurrentRowGroup
    {
        int groups = GroupCount(batch);
        ParallelRange.Run(groups, threads, new Groups<TGroup>(group, batch, groups), grain: 1, minPerThread: 1);
    }

    /// <summary>The groups [start, end) of a pass (none is empty unless the batch is: there are never more groups than rows).</summary>
    private readonly struct Groups<TGroup>(TGroup group, int batch, int groups) : IRangeKernel where TGroup : struct, IRecurrentRowGroup
    {
        public void Execute(int start, int end)
        {
            for (int index = start; index < end; index++)
            {
                (int first, int last) = ParallelRange.Range(batch, index, groups, grain: 1);
                if (last > first) group.Rows(index, first, last - first);
                else group.NoRows(index);
            }
        }
    }

    /// <summary>
    /// Rows [first, first + rows) of a [batch, T, <paramref name="width"/>] block at step <paramref name="t"/>, T·width apart,
    /// through the first <paramref name="used"/> values of the last one.
    /// </summary>
    internal static Span<float> AtStep(float* block, int width, int used, int first, int rows, int steps, int t) =>
        new(block + ((nint)first * steps + t) * width, (rows - 1) * steps * width + used);

    /// <summary>Rows [first, first + rows) of a [batch, T, <paramref name="width"/>] block at every step: rows·T step rows.</summary>
    internal static ReadOnlySpan<float> AllSteps(float* block, int width, int first, int rows, int steps) =>
        new(block + (nint)first * steps * width, rows * steps * width);

    /// <summary>
    /// One step's product on a group's rows: gates[rows, t] = β·gates + h_{t−1}[rows, H]·W_hh, W_hh [H, gates] read in place,
    /// h_{t−1} the first H values of each row of a [batch, T, <paramref name="stateWidth"/>] block.
    /// </summary>
    internal static void AddStateProduct(float* states, int stateWidth, ReadOnlySpan<float> recurrentWeights, float* gates, int gateWidth,
        int units, int first, int rows, int steps, int t, float beta = 1f)
    {
        Gemm.Multiply(Transpose.No, Transpose.No, rows, gateWidth, units, 1f, AtStep(states, stateWidth, units, first, rows, steps, t), steps * stateWidth,
            recurrentWeights, gateWidth, beta, AtStep(gates, gateWidth, gateWidth, first, rows, steps, t), steps * gateWidth, threads: 1);
    }

    /// <summary>
    /// The gradient a step passes back on a group's rows: output[rows, columns] = β·output + dgates_t[rows, gates]·weightsᵀ,
    /// the transposed weights [gates, ld] read row by row in place (their first <paramref name="columns"/> columns).
    /// </summary>
    internal static void MultiplyStepGradients(float* gateGradients, int gateWidth, ReadOnlySpan<float> weightsTransposed, int ld,
        int columns, Span<float> output, float beta, int first, int rows, int steps, int t)
    {
        Gemm.Multiply(Transpose.No, Transpose.No, rows, columns, gateWidth, 1f, AtStep(gateGradients, gateWidth, gateWidth, first, rows, steps, t),
            steps * gateWidth, weightsTransposed, ld, beta, output, ld, threads: 1);
    }

    /// <summary>
    /// A group's parameter gradients over all its steps, written over <paramref name="output"/>: inputsᵀ·dgates, [width, gates],
    /// each step row's inputs (its state, a 1 for the bias, and for <see cref="Lstm"/> its x_t) beside each other.
    /// </summary>
    internal static void GroupParameterGradients(float* stepInputs, int stepWidth, float* gateGradients, int gateWidth, int first, int rows, int steps,
        Span<float> output)
    {
        Gemm.Multiply(Transpose.Yes, Transpose.No, stepWidth, gateWidth, rows * steps, 1f, AllSteps(stepInputs, stepWidth, first, rows, steps), stepWidth,
            AllSteps(gateGradients, gateWidth, first, rows, steps), gateWidth, 0f, output, gateWidth, threads: 1);
    }

    /// <summary>The groups' blocks of parameter gradients added in group order into <paramref name="sum"/>: the same sums for any thread count.</summary>
    internal static void SumInGroupOrder(ReadOnlySpan<float> groupBlocks, int groups, Span<float> sum)
    {
        int block = sum.Length;
        groupBlocks[..block].CopyTo(sum);
        for (int group = 1; group < groups; group++) TensorPrimitives.Add(sum, groupBlocks.Slice(group * block, block), sum);
    }

    /// <summary>A gradient written over <paramref name="destination"/> or added to it.</summary>
    internal static void Accumulate(ReadOnlySpan<float> gradient, Span<float> destination, bool overwrite)
    {
        if (overwrite) gradient.CopyTo(destination);
        else TensorPrimitives.Add(destination, gradient, destination);
    }

    /// <summary>
    /// Writes weights [in, gates] transposed into columns [<paramref name="column"/>, + in) of <paramref name="transposed"/>
    /// [gates, ld], so a backward per-step product reads them row by row, in place.
    /// </summary>
    internal static void TransposeInto(ReadOnlySpan<float> weights, int inputs, int gateWidth, Span<float> transposed, int ld, int column)
    {
        for (int j = 0; j < gateWidth; j++)
            for (int k = 0; k < inputs; k++) transposed[j * ld + column + k] = weights[k * gateWidth + j];
    }

    /// <summary>Grows a backward pass's own buffer to at least <paramref name="length"/> floats (once: later passes reuse it).</summary>
    internal static void Reserve(ref float[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new float[length];
    }

    /// <summary>Throws unless the scratch holds the <paramref name="total"/> values a batch needs.</summary>
    internal static void CheckScratch(int length, int total, int batch)
    {
        if (length < total) throw new ArgumentException($"The scratch must hold {total} values for {batch} rows.", "scratch");
    }
}
