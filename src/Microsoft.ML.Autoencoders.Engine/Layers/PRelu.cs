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
/// channel c not above 0, in every row of the batch (a NaN input makes it NaN, as it does y and dx). dx is split over the
/// threads by rows; the slopes' gradients are summed in double on one thread in row order, each added to its float once
/// per backward pass, so the bits do not depend on the thread count. The contractive penalty's tangent passes through it
/// as through a leaky ReLU whose slope is learned.
/// </remarks>
public sealed class PRelu : Layer
{
    /// <summary>PyTorch's starting slope for nn.PReLU.</summary>
    public const float DefaultInitialSlope = 0.25f;

    /// <summary>Slopes' gradients summed in double for this many slopes at a time (on the stack).</summary>
    private const int SlopeBlock = 64;

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

    /// <summary>Every slope at <see cref="InitialSlope"/> (PyTorch's start); draws nothing from <paramref name="random"/>.</summary>
    public override void Initialize(SeededRandom random) => Slope.Values.Fill(InitialSlope);

    /// <summary>The slope of the value at <paramref name="index"/> of a row.</summary>
    private int SlopeOf(int index) => index / RunLength % Count;

    /// <inheritdoc/>
    public override unsafe void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        int n = batch * InputSize;
        if (x.Length < n || y.Length < n) throw new ArgumentException($"Each buffer must hold {batch}×{InputSize} values.");
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pSlope = Slope.Values)
        {
            ParallelRange.Run(batch, context.Threads, new Rows(this, px, py, pSlope, gradient: null, overwrite: true), grain: 1, minPerThread: MinRowsPerThread);
        }
    }

    /// <summary>Each row from that row alone, so it joins a row band (the same loop as <see cref="Forward"/>, on one thread).</summary>
    internal override RowBandStep? CreateRowBandStep(Layer? next) => new PReluRowBandStep(this);

    /// <summary>y = x or a·x over <paramref name="rows"/> rows on this thread: the forward pass's values, bit for bit.</summary>
    internal unsafe void ApplyRows(float* x, float* y, int rows)
    {
        fixed (float* pSlope = Slope.Values)
        {
            new Rows(this, x, y, pSlope, gradient: null, overwrite: true).Execute(0, rows);
        }
    }

    /// <summary>dx over the rows on the threads, then the slopes' gradients on this one, in row order.</summary>
    public override unsafe void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        int n = batch * InputSize;
        if (x.Length < n || dy.Length < n) throw new ArgumentException($"Each buffer must hold {batch}×{InputSize} values.");
        if (!dx.IsEmpty)
        {
            fixed (float* px = x)
            fixed (float* pdy = dy)
            fixed (float* pdx = dx)
            fixed (float* pSlope = Slope.Values)
            {
                ParallelRange.Run(batch, context.Threads, new Rows(this, px, pdx, pSlope, pdy, context.OverwriteInputGradient), grain: 1, minPerThread: MinRowsPerThread);
            }
        }
        AccumulateSlopeGradients(x, x, dy, batch, Slope.Gradients);
    }

    /// <summary>
    /// <paramref name="slopeGradients"/>[c] += Σ v·g over the values of slope c with x not above 0 (NaN too) in every row
    /// (v is x for backward, the tangent for the contractive penalty), summed in double a block of slopes at a time, every
    /// row in order for each block, and added once.
    /// </summary>
    private void AccumulateSlopeGradients(ReadOnlySpan<float> x, ReadOnlySpan<float> v, ReadOnlySpan<float> g, int batch, Span<float> slopeGradients)
    {
        Span<double> sums = stackalloc double[SlopeBlock];
        int width = InputSize;
        for (int first = 0; first < Count; first += SlopeBlock)
        {
            int count = Math.Min(SlopeBlock, Count - first);
            sums.Clear();
            for (int row = 0; row < batch; row++)
            {
                for (int repeat = 0; repeat < Repeats; repeat++)
                {
                    int start = row * width + (repeat * Count + first) * RunLength;
                    var input = x.Slice(start, count * RunLength);
                    var factor = v.Slice(start, count * RunLength);
                    var gradient = g.Slice(start, count * RunLength);
                    for (int k = 0; k < count; k++)
                    {
                        double sum = 0;
                        for (int j = k * RunLength, end = j + RunLength; j < end; j++)
                            if (!(input[j] > 0)) sum += (double)factor[j] * gradient[j];
                        sums[k] += sum;
                    }
                }
            }
            for (int k = 0; k < count; k++) slopeGradients[first + k] += (float)sums[k];
        }
    }

    /// <summary>
    /// Over a range of rows: y = x or a·x (forward, <c>gradient</c> null), or the input gradient g or a·g written over or
    /// added to <c>target</c> (backward).
    /// </summary>
    private readonly unsafe struct Rows(PRelu layer, float* x, float* target, float* slopes, float* gradient, bool overwrite) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            int width = layer.InputSize, run = layer.RunLength;
            for (int row = start; row < end; row++)
            {
                for (int at = row * width, stop = at + width, c = 0; at < stop; at += run, c = c + 1 == layer.Count ? 0 : c + 1)
                {
                    float a = slopes[c];
                    for (int i = at; i < at + run; i++)
                    {
                        float value = gradient == null ? x[i] : gradient[i];
                        float result = x[i] > 0 ? value : a * value;
                        target[i] = overwrite ? result : target[i] + result;
                    }
                }
            }
        }
    }

    /// <summary>t_out = t_in where x &gt; 0, a·t_in elsewhere: the Jacobian is the backward pass's diagonal.</summary>
    public override void PushTangent(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scratch,
        ReadOnlySpan<float> tangentIn, Span<float> tangentOut, int batch, in LayerContext context)
    {
        ReadOnlySpan<float> slopes = Slope.Values;
        for (int i = 0; i < batch * InputSize; i++)
            tangentOut[i] = x[i] > 0 ? tangentIn[i] : slopes[SlopeOf(i % InputSize)] * tangentIn[i];
    }

    /// <summary>
    /// Reverse mode through <see cref="PushTangent"/>: ∂P/∂t_in = g where x &gt; 0, a·g elsewhere, and ∂P/∂a_c = Σ t_in·g over
    /// the values of slope c with x not above 0. The Jacobian is constant on each side of 0, so nothing reaches the output.
    /// </summary>
    public override void PullTangentGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scratch,
        ReadOnlySpan<float> tangentIn, ReadOnlySpan<float> tangentOutGradient, Span<float> tangentInGradient, Span<float> outputGradient,
        int batch, in LayerContext context)
    {
        ReadOnlySpan<float> slopes = Slope.Values;
        int n = batch * InputSize;
        if (!tangentInGradient.IsEmpty)
        {
            for (int i = 0; i < n; i++)
                tangentInGradient[i] = x[i] > 0 ? tangentOutGradient[i] : slopes[SlopeOf(i % InputSize)] * tangentOutGradient[i];
        }
        AccumulateSlopeGradients(x, tangentIn, tangentOutGradient, batch, Slope.Gradients);
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
