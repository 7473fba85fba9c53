using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Layer normalization (Ba, Kiros &amp; Hinton, 2016; PyTorch's nn.LayerNorm over the last axis): each group of
/// <see cref="Width"/> consecutive values (a row, or one step of a window) is normalized by its own mean μ and biased
/// variance σ², x̂ = (x − μ)·r with r = 1/√(σ² + ε), then y = γ ⊙ x̂ + β with γ and β of <see cref="Width"/> values shared by
/// every group (or y = x̂ without them). Unlike a batch norm, training and inference compute the same thing.
/// </summary>
/// <remarks>
/// Backward, with g = γ ⊙ dy over one group: dx = r·(g − mean(g) − x̂·mean(g ⊙ x̂)), the gradient through x̂ less its
/// components along 1 (the mean) and x̂ (the variance); dγ = Σ dy ⊙ x̂ and dβ = Σ dy over every group. Each group's μ and r
/// are kept in the scratch between the passes, μ as a float and its remainder, so backward rebuilds x̂ from the double
/// mean forward used: with μ rounded to a float, a group far from 0 with a small spread (values 10⁴ ± 0.01) would get an
/// x̂ off by the rounding over the spread, and gradients off by percents. Groups are split over the threads for the
/// forward pass and for dx; the parameter gradients are summed on one thread in group order, so the bits do not depend on
/// the thread count. Sums run in double, the parameter gradients' too, each added to its float once per backward pass.
/// </remarks>
public sealed class LayerNorm : Layer
{
    /// <summary>PyTorch's (and ONNX's) default guard added to the variance.</summary>
    public const float DefaultEpsilon = 1e-5f;

    private readonly Parameter[] _parameters;

    /// <summary>Creates the layer for rows of <paramref name="groups"/> groups of <paramref name="width"/> values each.</summary>
    public LayerNorm(int groups, int width, float epsilon = DefaultEpsilon, bool elementwiseAffine = true, string name = "layer_norm")
    {
        if (groups <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(width), "Every size must be positive.");
        if (!(epsilon > 0 && float.IsFinite(epsilon))) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Epsilon must be positive and finite.");
        Groups = groups;
        Width = width;
        Epsilon = epsilon;
        if (elementwiseAffine)
        {
            // PyTorch's names, so a state dict maps one to one; ONNX's LayerNormalization calls them Scale and B.
            Scale = new Parameter(name + ".weight", width) { Role = ParameterRole.Scale };
            Shift = new Parameter(name + ".bias", width) { Role = ParameterRole.Bias };
            _parameters = [Scale, Shift];
        }
        else
        {
            _parameters = [];
        }
    }

    /// <summary>Groups normalized on their own in each row: 1 for rows [d], T for windows [T, F].</summary>
    public int Groups { get; }

    /// <summary>Values per group, the normalized axis.</summary>
    public int Width { get; }

    /// <summary>Added to the variance before its square root.</summary>
    public float Epsilon { get; }

    /// <summary>γ, [Width], the gain after normalizing (starts at 1); null without the affine part.</summary>
    public Parameter? Scale { get; }

    /// <summary>β, [Width], the shift after scaling (starts at 0); null without the affine part.</summary>
    public Parameter? Shift { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override int InputSize => Groups * Width;

    /// <inheritdoc/>
    public override int OutputSize => InputSize;

    /// <summary>Floats kept per group: μ rounded to a float, the remainder μ − that float, and r = 1/√(σ² + ε).</summary>
    private const int StatisticsPerGroup = 3;

    /// <summary>Parameter gradients summed in double for this many features at a time (on the stack).</summary>
    private const int FeatureBlock = 64;

    /// <summary>Each group's μ (as a float and its remainder) and r = 1/√(σ² + ε).</summary>
    public override int ScratchSizePerSample => StatisticsPerGroup * Groups;

    /// <summary>Groups a thread takes at least, so that each handles some 16 K values: fewer are not worth a handoff.</summary>
    internal int MinGroupsPerThread => Math.Max(1, 16 * 1024 / Width);

    /// <summary>Each group's input gradient is written whole by the one thread that computes it.</summary>
    internal override bool CanOverwriteInputGradient => true;

    /// <summary>γ = 1, β = 0 (PyTorch's start); draws nothing from <paramref name="random"/>.</summary>
    public override void Initialize(SeededRandom random)
    {
        Scale?.Values.Fill(1f);
        Shift?.Values.Clear();
    }

    /// <inheritdoc/>
    public override unsafe void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pStatistics = scratch)
        fixed (float* pScale = Scale is null ? default : Scale.Values)
        fixed (float* pShift = Shift is null ? default : Shift.Values)
        {
            ParallelRange.Run(batch * Groups, context.Threads, new ForwardGroups(this, px, py, pStatistics, pScale, pShift),
                grain: 1, minPerThread: MinGroupsPerThread);
        }
    }

    private readonly unsafe struct ForwardGroups(LayerNorm layer, float* x, float* y, float* statistics, float* scale, float* shift) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            int width = layer.Width;
            for (int group = start; group < end; group++)
            {
                float* input = x + (nint)group * width;
                float* output = y + (nint)group * width;
                double sum = 0;
                for (int i = 0; i < width; i++) sum += input[i];
                double mean = sum / width, squares = 0;
                for (int i = 0; i < width; i++)
                {
                    double centred = input[i] - mean;
                    squares += centred * centred;
                }
                double r = 1 / Math.Sqrt(squares / width + layer.Epsilon);
                float rounded = (float)mean;
                statistics[StatisticsPerGroup * group] = rounded;
                statistics[StatisticsPerGroup * group + 1] = (float)(mean - rounded);
                statistics[StatisticsPerGroup * group + 2] = (float)r;
                for (int i = 0; i < width; i++)
                {
                    double normalized = (input[i] - mean) * r;
                    output[i] = scale == null ? (float)normalized : (float)(normalized * scale[i] + shift[i]);
                }
            }
        }
    }

    /// <summary>dx (written whole per group), then dγ and dβ added on one thread in group order.</summary>
    public override unsafe void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        fixed (float* px = x)
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        fixed (float* pStatistics = scratch)
        fixed (float* pScale = Scale is null ? default : Scale.Values)
        {
            if (!dx.IsEmpty)
            {
                ParallelRange.Run(batch * Groups, context.Threads, new InputGradients(this, px, pdy, pdx, pStatistics, pScale, context.OverwriteInputGradient),
                    grain: 1, minPerThread: MinGroupsPerThread);
            }
        }
        if (Scale is null || Shift is null) return;
        Span<float> scaleGradient = Scale.Gradients, shiftGradient = Shift.Gradients;
        // A block of features at a time, every group in order for each, so the data is read once per block.
        Span<double> scaleSums = stackalloc double[FeatureBlock], shiftSums = stackalloc double[FeatureBlock];
        for (int first = 0; first < Width; first += FeatureBlock)
        {
            int count = Math.Min(FeatureBlock, Width - first);
            scaleSums.Clear();
            shiftSums.Clear();
            for (int group = 0; group < batch * Groups; group++)
            {
                var (mean, r) = Statistics(scratch, group);
                var input = x.Slice(group * Width + first, count);
                var gradient = dy.Slice(group * Width + first, count);
                for (int k = 0; k < count; k++)
                {
                    scaleSums[k] += gradient[k] * ((input[k] - mean) * r);
                    shiftSums[k] += gradient[k];
                }
            }
            for (int k = 0; k < count; k++)
            {
                scaleGradient[first + k] += (float)scaleSums[k];
                shiftGradient[first + k] += (float)shiftSums[k];
            }
        }
    }

    /// <summary>A group's μ (the float and its remainder added back in double) and r, as forward kept them.</summary>
    private static (double Mean, double R) Statistics(ReadOnlySpan<float> statistics, int group) =>
        ((double)statistics[StatisticsPerGroup * group] + statistics[StatisticsPerGroup * group + 1], statistics[StatisticsPerGroup * group + 2]);

    private readonly unsafe struct InputGradients(LayerNorm layer, float* x, float* dy, float* dx, float* statistics, float* scale, bool overwrite) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            int width = layer.Width;
            for (int group = start; group < end; group++)
            {
                float* input = x + (nint)group * width;
                float* gradient = dy + (nint)group * width;
                float* target = dx + (nint)group * width;
                float* kept = statistics + (nint)group * StatisticsPerGroup;
                double mean = (double)kept[0] + kept[1], r = kept[2];
                double gradientSum = 0, projection = 0;
                for (int i = 0; i < width; i++)
                {
                    double g = scale == null ? gradient[i] : (double)gradient[i] * scale[i];
                    gradientSum += g;
                    projection += g * (input[i] - mean) * r;
                }
                double meanGradient = gradientSum / width, meanProjection = projection / width;
                for (int i = 0; i < width; i++)
                {
                    double g = scale == null ? gradient[i] : (double)gradient[i] * scale[i];
                    float value = (float)(r * (g - meanGradient - (input[i] - mean) * r * meanProjection));
                    target[i] = overwrite ? value : target[i] + value;
                }
            }
        }
    }

    /// <summary>
    /// ONNX's LayerNormalization (opset 17, which the exporter writes) over the last axis, with γ and β as Scale and B, or a
    /// Scale of ones and no B without the affine part; windows are viewed as [N, T, F] around it.
    /// </summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        string scale;
        var inputs = new List<string>();
        if (Scale is not null && Shift is not null)
        {
            context.Graph.AddInitializer(Scale);
            context.Graph.AddInitializer(Shift);
            scale = Scale.Name;
        }
        else
        {
            scale = context.Tensor("ones");
            context.Graph.AddInitializer(scale, [Width], Enumerable.Repeat(1f, Width).ToArray());
        }
        string input = Groups == 1 ? context.Input : OnnxShapes.Reshaped(context, context.Input, "steps", -1, Groups, Width);
        inputs.Add(input);
        inputs.Add(scale);
        if (Shift is not null) inputs.Add(Shift.Name);
        string normalized = Groups == 1 ? context.Output : context.Tensor("normalized");
        context.AddNode("LayerNormalization", [.. inputs], [normalized],
            OnnxNodeAttribute.Int("axis", -1),
            OnnxNodeAttribute.Float("epsilon", Epsilon));
        if (Groups != 1) OnnxShapes.ToRows(context, normalized, OutputSize);
    }
}
