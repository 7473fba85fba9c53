using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A parametric ReLU (He et al., 2015; PyTorch's nn.PReLU): y = x for x &gt; 0, a_c·x otherwise, with learned slopes a of
/// <see cref="Count"/> values. A row is laid out as <see cref="Repeats"/> repetitions of the slopes in order, each slope
/// covering a run of <see cref="RunLength"/> consecutive values: a channel's plane of an image [C, H, W] (C slopes, runs of
/// H·W, once), a feature of each step of windows [T, F] (F slopes, runs of 1, T times), or the whole row for one slope.
/// </summary>
/// <remarks>
/// Backward, as PyTorch's: dx = dy where x &gt; 0, a_c·dy elsewhere (x = 0 included), and da_c = Σ x·dy over the values of
/// channel c not above 0, in every row of the batch (a NaN input makes it NaN, as it does y and dx). Each run of values
/// sharing a slope goes through <see cref="PReluRuns"/>, vectorized without a branch per value and with the scalar
/// formula's bits. dx and the slopes' sums are one pass over fixed blocks of rows, on the threads; each block sums in
/// double, the blocks' sums are added in block order, and each slope's float is written or added to once per backward
/// pass, so the bits do not depend on the thread count. The contractive penalty's tangent passes through it as through a
/// leaky ReLU whose slope is learned.
/// </remarks>
public sealed class PRelu : Layer
{
    /// <summary>PyTorch's starting slope for nn.PReLU.</summary>
    public const float DefaultInitialSlope = 0.25f;

    private readonly Parameter[] _parameters;

    /// <summary>
    /// Creates the layer for rows of <paramref name="repeats"/> × <paramref name="count"/> × <paramref name="runLength"/>
    /// values: <paramref name="count"/> slopes, each over runs of <paramref name="runLength"/> values, the whole pattern
    /// <paramref name="repeats"/> times.
    /// </summary>
    public PRelu(int count, int runLength, int repeats, float initialSlope = DefaultInitialSlope, string name = "prelu")
    {
        if (count <= 0 || runLength <= 0 || repeats <= 0) throw new ArgumentOutOfRangeException(nameof(count), "Every size must be positive.");
        if ((long)count * runLength * repeats > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(count), "The row is too large.");
        if (!float.IsFinite(initialSlope)) throw new ArgumentOutOfRangeException(nameof(initialSlope), initialSlope, "The initial slope must be finite.");
        Count = count;
        RunLength = runLength;
        Repeats = repeats;
        InitialSlope = initialSlope;
        // PyTorch's name, so a state dict maps one to one; ONNX's PRelu calls it slope.
        Slope = new Parameter(name + ".weight", count) { Role = ParameterRole.Slope };
        _parameters = [Slope];
    }

    /// <summary>How many slopes: channels, features, or 1.</summary>
    public int Count { get; }

    /// <summary>Consecutive values that share one slope: an image channel's H·W, 1 for features.</summary>
    public int RunLength { get; }

    /// <summary>How often the slopes' pattern repeats along a row: the steps of a window, else 1.</summary>
    public int Repeats { get; }

    /// <summary>What <see cref="Initialize"/> sets every slope to.</summary>
    public float InitialSlope { get; }

    /// <summary>a, [Count], the slopes for x not above 0.</summary>
    public Parameter Slope { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override int InputSize => Repeats * Count * RunLength;

    /// <inheritdoc/>
    public override int OutputSize => InputSize;

    /// <summary>Rows a thread takes at least, so that each handles some 32 K values: fewer are not worth a handoff.</summary>
    private int MinRowsPerThread => Math.Max(1, 32 * 1024 / InputSize);

    /// <summary>Each row's input gradient is written whole by the one thread that computes it.</summary>
    internal override bool CanOverwriteInputGradient => true;

    /// <summary>Each slope's gradient is written once per backward pass, from its double sum.</summary>
    internal override bool CanOverwriteParameterGradients => true;

    /// <summary>Every slope at <see cref="InitialSlope"/> (PyTorch's start); draws nothing from <paramref name="random"/>.</summary>
    public override void Initialize(SeededRandom random) => Slope.Values.Fill(InitialSlope);

    /// <inheritdoc/>
    public override unsafe void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        int n = batch * InputSize;
        if (x.Length < n || y.Length < n) throw new ArgumentException($"Each buffer must hold {batch}×{InputSize} values.");
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pSlope = Slope.Values)
        {
            ParallelRange.Run(batch, context.Threads, new Rows(this, px, px, py, pSlope, overwrite: true), grain: 1, minPerThread: MinRowsPerThread);
        }
    }

    /// <summary>Each row from that row alone, so it joins a row band (the same loop as <see cref="Forward"/>, on one thread).</summary>
    internal override RowBandStep? CreateRowBandStep(Layer? next) => new PReluRowBandStep(this);

    /// <summary>y = x or a·x over <paramref name="rows"/> rows on this thread: the forward pass's values, bit for bit.</summary>
    internal unsafe void ApplyRows(float* x, float* y, int rows)
    {
        fixed (float* pSlope = Slope.Values)
        {
            new Rows(this, x, x, y, pSlope, overwrite: true).Execute(0, rows);
        }
    }

    /// <summary>dx and the slopes' gradients in one pass over fixed blocks of rows on the threads, then the blocks' sums in order.</summary>
    public override unsafe void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        int n = batch * InputSize;
        if (x.Length < n || dy.Length < n || (!dx.IsEmpty && dx.Length < n)) throw new ArgumentException($"Each buffer must hold {batch}×{InputSize} values.");
        fixed (float* px = x)
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        {
            SlopeGradients(px, px, pdy, dx.IsEmpty ? null : pdx, context.OverwriteInputGradient, batch, context.Threads, context.OverwriteParameterGradients);
        }
    }

    /// <summary>
    /// The slopes' gradients, v·g summed over the values not above 0 (v is x for backward, the tangent for the contractive
    /// penalty), and, unless <paramref name="inputGradient"/> is null, g or a·g written over or added to it, in one pass:
    /// each block of <see cref="RowsPerSlopeBlock"/> rows sums in double on one thread, then the blocks' sums are added in
    /// block order on this one and each slope's float is written (or added to) once. The blocks are cut by the batch and
    /// the row alone, never by the threads, so the bits do not depend on the thread count.
    /// </summary>
    private unsafe void SlopeGradients(float* x, float* factor, float* gradient, float* inputGradient, bool overwriteInput, int batch, int threads,
        bool overwriteSlopes)
    {
        int rowsPerBlock = RowsPerSlopeBlock(batch), blocks = (batch + rowsPerBlock - 1) / rowsPerBlock;
        // Sized for the most blocks this batch or any smaller one can have (never over 32, never over the rows), so a short
        // last batch of an epoch, whose rows may be cut into more blocks, allocates nothing.
        if (_blockSums.Length < blocks * Count) _blockSums = new double[Math.Max(blocks, Math.Min(32, batch)) * Count];
        fixed (float* pSlope = Slope.Values)
        fixed (double* sums = _blockSums)
        {
            ParallelRange.Run(blocks, threads, new SlopeBlocks(this, x, factor, gradient, inputGradient, pSlope, overwriteInput, sums, rowsPerBlock, batch),
                grain: 1, minPerThread: Math.Max(1, MinRowsPerThread / rowsPerBlock));
        }
        // Every later block added into the first, in block order: per slope the same additions as a loop over the blocks,
        // read in sequence however many slopes there are.
        Span<double> total = _blockSums.AsSpan(0, Count);
        for (int block = 1; block < blocks; block++)
        {
            ReadOnlySpan<double> part = _blockSums.AsSpan(block * Count, Count);
            for (int c = 0; c < total.Length; c++) total[c] += part[c];
        }
        Span<float> slopeGradients = Slope.Gradients;
        for (int c = 0; c < Count; c++) slopeGradients[c] = overwriteSlopes ? (float)total[c] : slopeGradients[c] + (float)total[c];
    }

    /// <summary>
    /// Rows summed together for the slopes' gradients: some 16 K values, or more where that would make over 32 blocks of
    /// per-slope sums (each block keeps <see cref="Count"/> doubles).
    /// </summary>
    private int RowsPerSlopeBlock(int batch) => Math.Max(Math.Max(1, 16 * 1024 / InputSize), (batch + 31) / 32);

    /// <summary>The blocks' per-slope sums, [blocks, Count], kept between passes so that a step allocates nothing.</summary>
    private double[] _blockSums = [];

    /// <summary>
    /// target = v or a·v (written over, or added to), row by row: forward (v = x), dx (v = dy) and the tangents. Within a
    /// row a slope covers a run of <see cref="RunLength"/> values, or, for runs of one, the slopes span the row's
    /// <see cref="Count"/> consecutive values, <see cref="Repeats"/> times: either way whole vectors go through one call.
    /// </summary>
    private unsafe void ApplyRow(float* x, float* v, float* target, float* slopes, bool overwrite)
    {
        if (RunLength == 1)
        {
            for (int at = 0; at < InputSize; at += Count) PReluRuns.Apply(x + at, v + at, target + at, Count, slopes, overwrite);
            return;
        }
        for (int at = 0, c = 0; at < InputSize; at += RunLength, c = c + 1 == Count ? 0 : c + 1)
            PReluRuns.Apply(x + at, v + at, target + at, RunLength, slopes[c], overwrite);
    }

    /// <summary><paramref name="sums"/>[c] += Σ v·g over the values of slope c in one row with x not above 0 (NaN too).</summary>
    private unsafe void AddSlopeProducts(float* x, float* v, float* g, double* sums)
    {
        if (RunLength == 1)
        {
            for (int at = 0; at < InputSize; at += Count) PReluRuns.AddNegativeSideProducts(x + at, v + at, g + at, sums, Count);
            return;
        }
        for (int at = 0, c = 0; at < InputSize; at += RunLength, c = c + 1 == Count ? 0 : c + 1)
            sums[c] += PReluRuns.NegativeSideSum(x + at, v + at, g + at, RunLength);
    }

    /// <summary>Over a range of rows: <see cref="ApplyRow"/> on each.</summary>
    private readonly unsafe struct Rows(PRelu layer, float* x, float* v, float* target, float* slopes, bool overwrite) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            int width = layer.InputSize;
            for (long at = (long)start * width, stop = (long)end * width; at < stop; at += width)
                layer.ApplyRow(x + at, v + at, target + at, slopes, overwrite);
        }
    }

    /// <summary>
    /// Over a range of blocks of rows: each block's per-slope sums from nothing, in row order, and, with an input gradient,
    /// each row's g or a·g (the row still in cache for the sums).
    /// </summary>
    private readonly unsafe struct SlopeBlocks(PRelu layer, float* x, float* factor, float* gradient, float* inputGradient, float* slopes,
        bool overwriteInput, double* blockSums, int rowsPerBlock, int batch) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            int width = layer.InputSize;
            for (int block = start; block < end; block++)
            {
                double* sums = blockSums + (long)block * layer.Count;
                new Span<double>(sums, layer.Count).Clear();
                for (int row = block * rowsPerBlock, last = Math.Min(batch, row + rowsPerBlock); row < last; row++)
                {
                    long at = (long)row * width;
                    if (inputGradient != null) layer.ApplyRow(x + at, gradient + at, inputGradient + at, slopes, overwriteInput);
                    layer.AddSlopeProducts(x + at, factor + at, gradient + at, sums);
                }
            }
        }
    }

    /// <summary>t_out = t_in where x &gt; 0, a·t_in elsewhere: the Jacobian is the backward pass's diagonal.</summary>
    public override unsafe void PushTangent(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scratch,
        ReadOnlySpan<float> tangentIn, Span<float> tangentOut, int batch, in LayerContext context)
    {
        int n = batch * InputSize;
        if (x.Length < n || tangentIn.Length < n || tangentOut.Length < n) throw new ArgumentException($"Each buffer must hold {batch}×{InputSize} values.");
        fixed (float* px = x)
        fixed (float* pt = tangentIn)
        fixed (float* pOut = tangentOut)
        fixed (float* pSlope = Slope.Values)
        {
            ParallelRange.Run(batch, context.Threads, new Rows(this, px, pt, pOut, pSlope, overwrite: true), grain: 1, minPerThread: MinRowsPerThread);
        }
    }

    /// <summary>
    /// Reverse mode through <see cref="PushTangent"/>: ∂P/∂t_in = g where x &gt; 0, a·g elsewhere, and ∂P/∂a_c = Σ t_in·g over
    /// the values of slope c with x not above 0, added to the slopes' gradients (the penalty's share joins the loss's). The
    /// Jacobian is constant on each side of 0, so nothing reaches the output.
    /// </summary>
    public override unsafe void PullTangentGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scratch,
        ReadOnlySpan<float> tangentIn, ReadOnlySpan<float> tangentOutGradient, Span<float> tangentInGradient, Span<float> outputGradient,
        int batch, in LayerContext context)
    {
        int n = batch * InputSize;
        if (x.Length < n || tangentIn.Length < n || tangentOutGradient.Length < n || (!tangentInGradient.IsEmpty && tangentInGradient.Length < n))
            throw new ArgumentException($"Each buffer must hold {batch}×{InputSize} values.");
        fixed (float* px = x)
        fixed (float* pt = tangentIn)
        fixed (float* pg = tangentOutGradient)
        fixed (float* pIn = tangentInGradient)
        {
            SlopeGradients(px, pt, pg, tangentInGradient.IsEmpty ? null : pIn, overwriteInput: true, batch, context.Threads, overwriteSlopes: false);
        }
    }

    /// <summary>
    /// ONNX's PRelu, its slope shaped so the broadcast puts it where the engine does: [F] over rows, [C, 1, 1] over images
    /// and [C, 1] over sequences viewed as [N, C, ...], [F] over windows viewed as [N, T, F], [1] for one slope. The
    /// initializer keeps the parameter's own shape [Count] (the model file reads it back so), reshaped in the graph where
    /// the broadcast needs trailing 1s, as the 1-D convolutions' kernels are.
    /// </summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        var shape = context.InputShape;
        context.Graph.AddInitializer(Slope);
        if (Count == 1 || shape.Rank == 1)
        {
            context.AddNode("PRelu", [context.Input, Slope.Name], [context.Output]);
            return;
        }
        // Along the first axis (channels, or a step's values per step) unless the slopes repeat per step along the last.
        bool alongFirstAxis = Repeats == 1 && Count == shape[0];
        string slope = alongFirstAxis ? OnnxShapes.Reshaped(context, Slope.Name, "slope", [Count, .. Enumerable.Repeat(1L, shape.Rank - 1)]) : Slope.Name;
        string input = OnnxShapes.Reshaped(context, context.Input, "shaped", [-1, .. shape.Dimensions.Select(d => (long)d)]);
        string activated = context.Tensor("activated");
        context.AddNode("PRelu", [input, slope], [activated]);
        OnnxShapes.ToRows(context, activated, OutputSize);
    }
}
