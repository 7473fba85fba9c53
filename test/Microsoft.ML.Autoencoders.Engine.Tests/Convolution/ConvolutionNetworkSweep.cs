using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

/// <summary>
/// Small randomized convolutional networks run through <see cref="Sequential"/> every way it can run them, against the
/// same layers run apart (every slot kept written, gradients added into cleared slots, no chains): with its fusions
/// (an upsampling writing a convolution's padded planes, a convolution handing its images' input gradients down, an
/// activation folded into the convolution under it), and through sample-parallel chains of several chunk sizes, on one
/// and two threads and on each kernel set, then again on the same layers and cache after a bigger batch. Outputs and
/// input gradients must have the apart bits; parameter gradients the apart bits where nothing is summed in another order
/// (no chains), the same bits on one thread as on two in chains, and float closeness otherwise. A few small cases are
/// also held to central differences. Returns what went wrong, so a long sweep can count the failing seeds.
/// </summary>
internal static class ConvolutionNetworkSweep
{
    /// <summary>A drawn network: the input shape, its layers' specs, the batch and the bigger batch run before it.</summary>
    public sealed record NetworkCase(TensorShape Input, LayerSpec[] Layers, int Batch, int EarlierBatch, int ChunkRows, string Family)
    {
        public override string ToString() =>
            $"{Family}: input {Input}, batch {Batch} (earlier {EarlierBatch}), chunk rows {ChunkRows}: {string.Join(" → ", Layers.Select(Describe))}";

        private static string Describe(LayerSpec spec) => spec switch
        {
            Conv2dSpec c => $"Conv(f{c.Filters} k{c.KernelSize} s{c.Stride} d{c.Dilation} {c.Padding}{(c.Padding == Conv2dPadding.Explicit ? c.ExplicitPadding.ToString() : "")})",
            ConvTranspose2dSpec t => $"ConvT(f{t.Filters} k{t.KernelSize} s{t.Stride} {t.Padding}{(t.Padding == Conv2dPadding.Explicit ? t.ExplicitPadding.ToString() : "")} op{t.OutputPadding})",
            Upsample2dSpec u => $"Up({u.Scale}{(u.Mode == UpsampleMode.Nearest ? "" : " " + u.Mode)})",
            MaxPool2dSpec p => $"Pool({p.PoolSize}{(p.CeilMode ? " ceil" : "")})",
            ActivationSpec a => a.Function.ToString(),
            _ => spec.GetType().Name,
        };
    }

    private static readonly Activation[] Activations = [Activation.Relu, Activation.Sigmoid, Activation.Tanh, Activation.LeakyRelu];

    /// <summary>A network from <paramref name="seed"/> whose layers all accept their inputs, of at most <paramref name="maxSize"/> floats an image in any slot.</summary>
    public static NetworkCase Draw(int seed, int maxSize, bool smooth = false)
    {
        Activation[] activations = smooth ? [Activation.Sigmoid, Activation.Tanh] : Activations;
        var r = new SeededRandom(2_000_029L * seed + 777);
        while (true)
        {
            int family = r.NextInt(5);
            if (smooth && family == 1) continue; // pooling has kinks
            int[] channelChoices = [1, 2, 3, 4, 5, 8, 8, 16];
            int c = channelChoices[r.NextInt(channelChoices.Length)];
            int h = 1 + r.NextInt(family == 0 ? 10 : 16), w = r.NextInt(3) == 0 ? h : 1 + r.NextInt(family == 0 ? 10 : 16);
            var layers = new List<LayerSpec>();
            string name;
            switch (family)
            {
                case 0:
                    name = "up-conv";
                    int pairs = 1 + r.NextInt(2);
                    for (int i = 0; i < pairs; i++)
                    {
                        layers.Add(new Upsample2dSpec(2 + r.NextInt(2)));
                        layers.Add(StrideOneConv(r));
                        MaybeActivation(r, layers, activations);
                    }
                    break;
                case 1:
                    name = "pool-conv";
                    layers.Add(new MaxPool2dSpec(2 + r.NextInt(2), 0, r.NextInt(2) == 0));
                    layers.Add(StrideOneConv(r));
                    MaybeActivation(r, layers, activations);
                    break;
                case 2:
                    name = "conv-relu-conv";
                    layers.Add(StrideOneConv(r));
                    layers.Add(new ActivationSpec(smooth ? Activation.Tanh : Activation.Relu));
                    layers.Add(StrideOneConv(r));
                    MaybeActivation(r, layers, activations);
                    break;
                case 3:
                    name = "transpose";
                    if (r.NextInt(2) == 0) { layers.Add(StrideOneConv(r)); MaybeActivation(r, layers, activations); }
                    layers.Add(new ConvTranspose2dSpec(1 + r.NextInt(12), 1 + r.NextInt(4), 1 + r.NextInt(2), Pick(r), 1, r.NextInt(2), 0,
                        WeightInitialization.XavierUniform));
                    MaybeActivation(r, layers, activations);
                    if (r.NextInt(2) == 0) { layers.Add(StrideOneConv(r)); MaybeActivation(r, layers, activations); }
                    break;
                default:
                    name = "mixed";
                    int count = 2 + r.NextInt(5);
                    for (int i = 0; i < count; i++)
                    {
                        switch (r.NextInt(6))
                        {
                            case 0: layers.Add(new Upsample2dSpec(2 + r.NextInt(2), r.NextInt(5) == 0 ? UpsampleMode.Bilinear : UpsampleMode.Nearest)); break;
                            case 1 when !smooth: layers.Add(new MaxPool2dSpec(2, 0, r.NextInt(2) == 0)); break;
                            case 2: layers.Add(new Conv2dSpec(1 + r.NextInt(12), 1 + r.NextInt(4), 1 + r.NextInt(2), Pick(r), 1 + r.NextInt(2), r.NextInt(3), WeightInitialization.XavierUniform)); break;
                            case 3: layers.Add(new ActivationSpec(activations[r.NextInt(activations.Length)])); break;
                            default: layers.Add(StrideOneConv(r)); break;
                        }
                    }
                    break;
            }
            var input = new TensorShape(c, h, w);
            if (!Fits(input, layers, maxSize)) continue;
            int batch = r.NextInt(4) == 0 ? 1 + r.NextInt(3) : 1 + r.NextInt(19);
            return new NetworkCase(input, [.. layers], batch, batch + 1 + r.NextInt(6), r.NextInt(4), name);
        }
    }

    private static Conv2dPadding Pick(SeededRandom r) => (Conv2dPadding)r.NextInt(3);

    /// <summary>A stride-1 convolution (the direct kernels, when its padding stays within the kernel), filters in eights a quarter of the time (flat planes).</summary>
    private static Conv2dSpec StrideOneConv(SeededRandom r)
    {
        int filters = r.NextInt(4) == 0 ? 8 * (1 + r.NextInt(2)) : 1 + r.NextInt(12);
        int kernel = 1 + r.NextInt(4);
        var padding = Pick(r);
        return new Conv2dSpec(filters, kernel, 1, padding, 1, padding == Conv2dPadding.Explicit ? r.NextInt(kernel) : 0, WeightInitialization.XavierUniform);
    }

    private static void MaybeActivation(SeededRandom r, List<LayerSpec> layers, Activation[] activations)
    {
        if (r.NextInt(4) != 0) layers.Add(new ActivationSpec(activations[r.NextInt(activations.Length)]));
    }

    private static bool Fits(TensorShape input, List<LayerSpec> layers, int maxSize)
    {
        var shape = input;
        try
        {
            foreach (var spec in layers)
            {
                shape = spec.InferOutputShape(shape);
                if (shape.Size > maxSize || shape.Size <= 0) return false;
            }
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The layers of <paramref name="c"/>, built and initialized from <paramref name="seed"/>, biases nonzero.</summary>
    private static (Sequential Sequence, ParameterStore Store) Build(NetworkCase c, int seed, bool wide)
    {
        var layers = new List<Layer>();
        var shape = c.Input;
        for (int i = 0; i < c.Layers.Length; i++)
        {
            var output = c.Layers[i].InferOutputShape(shape);
            var layer = c.Layers[i].Build(TestContexts.Build($"layer{i}", shape, output));
            if (layer is Conv2d { IsDirect: true } conv) conv.UsesVector512 = wide;
            layers.Add(layer);
            shape = output;
        }
        var store = new ParameterStore(layers.SelectMany(l => l.Parameters));
        var random = new SeededRandom(seed * 31L + 5);
        foreach (var layer in layers)
        {
            layer.Initialize(random);
            foreach (var parameter in layer.Parameters.Where(p => p.Role == ParameterRole.Bias))
                TestData.Uniform(random, parameter.Length, -0.3f, 0.3f).CopyTo(parameter.Values);
        }
        return (new Sequential(layers), store);
    }

    /// <summary>How a pass runs: every layer apart, with Sequential's fusions, or through chains.</summary>
    public enum Mode { Apart, Fused, Chained }

    public sealed record Pass(float[] Output, float[] InputGradient, float[][] ParameterGradients)
    {
        /// <summary>The largest parameter gradient of the network.</summary>
        public double Largest { get; } = ParameterGradients.SelectMany(g => g).Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max();
    }

    /// <summary>One forward and backward pass; with <paramref name="earlierFirst"/>, a bigger batch of other data runs first on the same layers and cache.</summary>
    private static Pass Run(NetworkCase c, int seed, bool wide, int threads, Mode mode, bool earlierFirst, float[] input, float[] dy, float[] earlierInput,
        float[] earlierDy, bool needInputGradient = true)
    {
        var (sequence, store) = Build(c, seed, wide);
        int layers = sequence.Layers.Count;
        if (mode == Mode.Apart)
            for (int slot = 1; slot < layers; slot++) sequence.KeepSlotWritten(slot);
        sequence.ChainsSamples = mode == Mode.Chained;
        sequence.ChainChunkRows = c.ChunkRows;
        var cache = sequence.CreateCache(earlierFirst ? c.EarlierBatch : c.Batch, forTraining: true);
        var context = new LayerContext(Training: true, Threads: threads);

        void Step(int batch, float[] x, float[] gradient)
        {
            if (mode != Mode.Apart)
            {
                // Slots a fused pass skips keep these NaNs; one read from before would poison the results. The layers'
                // scratch too: what forward keeps for backward (a convolution's padded planes, borders and all) must
                // be written by it, not left from the allocation.
                for (int slot = 1; slot <= layers; slot++) cache.Values(slot, batch).Fill(float.NaN);
                for (int slot = 0; slot < layers; slot++) cache.Gradients(slot, batch).Fill(float.NaN);
                for (int layer = 0; layer < layers; layer++) cache.Scratch(layer, batch).Fill(float.NaN);
            }
            else cache.ZeroGradients();
            x.CopyTo(cache.Values(0, batch));
            sequence.Forward(cache, batch, context);
            store.ZeroGradients();
            gradient.CopyTo(cache.Gradients(layers, batch));
            sequence.Backward(cache, batch, context, needInputGradient: needInputGradient, overwriteGradients: mode != Mode.Apart);
        }

        if (earlierFirst) Step(c.EarlierBatch, earlierInput, earlierDy);
        Step(c.Batch, input, dy);
        return new Pass(cache.Values(layers, c.Batch).ToArray(), cache.Gradients(0, c.Batch).ToArray(),
            [.. store.Parameters.Select(p => p.Gradients.ToArray())]);
    }

    /// <summary>
    /// An inference pass straight from the caller's rows into the caller's buffer, with fusions and chains (a pair or a
    /// chain at the top then writes the caller's buffer itself).
    /// </summary>
    private static float[] Infer(NetworkCase c, int seed, bool wide, int threads, float[] input)
    {
        var (sequence, _) = Build(c, seed, wide);
        sequence.ChainChunkRows = c.ChunkRows;
        var cache = sequence.CreateCache(c.Batch, forTraining: false);
        float[] output = new float[c.Batch * sequence.OutputSize];
        sequence.Forward(cache, input, output, c.Batch, LayerContext.Inference(threads));
        return output;
    }

    /// <summary>Runs <paramref name="c"/> every way and returns the first few things that went wrong (empty when none).</summary>
    public static List<string> RunNetworkCase(NetworkCase c, int seed, bool finiteDifferences)
    {
        var problems = new List<string>();
        void Check(bool ok, string what)
        {
            if (!ok && problems.Count < 6) problems.Add(what);
        }

        var (probe, _) = Build(c, seed, wide: false);
        var random = new SeededRandom(seed * 13L + 3);
        float[] input = TestData.Uniform(random, c.Batch * probe.InputSize, -1f, 1f);
        float[] dy = TestData.Uniform(random, c.Batch * probe.OutputSize, -1f, 1f);
        float[] earlierInput = TestData.Uniform(random, c.EarlierBatch * probe.InputSize, -2f, 2f);
        float[] earlierDy = TestData.Uniform(random, c.EarlierBatch * probe.OutputSize, -2f, 2f);

        bool[] chained = ChainedParameters(probe);
        Pass? first = null;
        foreach (bool wide in ConvolutionSweep.KernelSets)
        {
            Pass? firstChained = null;
            foreach (int threads in new[] { 1, 2 })
            {
                string where = $"{(wide ? 512 : 256)}-bit, {threads} thread(s)";
                var apart = Run(c, seed, wide, threads, Mode.Apart, false, input, dy, earlierInput, earlierDy);
                Check(apart.Output.AsSpan().SequenceEqual(Infer(c, seed, wide, threads, input)), $"inference output bits, {where}");
                first ??= apart;
                Check(first.Output.AsSpan().SequenceEqual(apart.Output), $"apart output bits differ from the first path's, {where}");
                Check(first.InputGradient.AsSpan().SequenceEqual(apart.InputGradient), $"apart input gradient bits differ from the first path's, {where}");
                for (int p = 0; p < apart.ParameterGradients.Length; p++)
                    Check(Close(first.ParameterGradients[p], apart.ParameterGradients[p], first.Largest), $"parameter {p} apart, against the first path, {where}: {Worst(first.ParameterGradients[p], apart.ParameterGradients[p])}");
                foreach (var mode in new[] { Mode.Fused, Mode.Chained })
                {
                    foreach (bool earlier in new[] { false, true })
                    {
                        var pass = Run(c, seed, wide, threads, mode, earlier, input, dy, earlierInput, earlierDy);
                        string how = $"{mode}{(earlier ? " after a bigger batch" : "")}, {where}";
                        Check(apart.Output.AsSpan().SequenceEqual(pass.Output), $"output bits, {how}");
                        Check(apart.InputGradient.AsSpan().SequenceEqual(pass.InputGradient), $"input gradient bits, {how}");
                        for (int p = 0; p < pass.ParameterGradients.Length; p++)
                        {
                            if (mode == Mode.Fused)
                                Check(apart.ParameterGradients[p].AsSpan().SequenceEqual(pass.ParameterGradients[p]), $"parameter {p} gradient bits, {how}");
                            else Check(Close(apart.ParameterGradients[p], pass.ParameterGradients[p], apart.Largest),
                                $"parameter {p} gradient, {how}: {Worst(apart.ParameterGradients[p], pass.ParameterGradients[p])}");
                        }
                        if (mode == Mode.Fused && !earlier)
                        {
                            // Without the input gradient (the training step's usual pass): the layers' gradients alike.
                            var noInput = Run(c, seed, wide, threads, mode, false, input, dy, earlierInput, earlierDy, needInputGradient: false);
                            for (int p = 0; p < pass.ParameterGradients.Length; p++)
                                Check(apart.ParameterGradients[p].AsSpan().SequenceEqual(noInput.ParameterGradients[p]), $"parameter {p} gradient bits without the input gradient, {how}");
                        }
                        if (mode != Mode.Chained) continue;
                        // Chunks summed in chunk order: the same bits on one thread as on two, and after a bigger batch (a
                        // layer left out of every chain splits its batch over the threads, which the bits follow).
                        firstChained ??= pass;
                        for (int p = 0; p < pass.ParameterGradients.Length; p++)
                            if (chained[p]) Check(firstChained.ParameterGradients[p].AsSpan().SequenceEqual(pass.ParameterGradients[p]), $"parameter {p} chained bits against 1 thread, {how}");
                    }
                }
            }
        }
        if (finiteDifferences)
        {
            // Only smooth draws ask for them; a kinked one here is a drawing fault, reported rather than skipped.
            Check(IsSmooth(c), "finite differences asked of a case with ReLU or max pooling");
            if (IsSmooth(c)) CheckFiniteDifferences(c, seed, input, Check);
        }
        return problems;
    }

    /// <summary>
    /// For each parameter, whether its layer runs backward inside a chain (<see cref="SampleParallelChain.BackwardChainBottom"/>,
    /// walked as <see cref="Sequential"/> walks it), where the parameter gradients are summed chunk by chunk.
    /// </summary>
    private static bool[] ChainedParameters(Sequential sequence)
    {
        var layers = sequence.Layers;
        var inChain = new bool[layers.Count];
        for (int i = layers.Count - 1; i >= 0; i--)
        {
            int bottom = SampleParallelChain.BackwardChainBottom(layers, i, 0);
            if (bottom < 0) continue;
            for (int j = bottom; j <= i; j++) inChain[j] = true;
            i = bottom;
        }
        return [.. layers.SelectMany((layer, i) => layer.Parameters.Select(_ => inChain[i]))];
    }

    /// <summary>
    /// Whether central differences can judge <paramref name="c"/>: no ReLU, leaky ReLU or max pooling, whose kinks a step
    /// of 1e-3 crosses somewhere in a network of a few thousand values (a near tie in one pooling window is enough).
    /// </summary>
    private static bool IsSmooth(NetworkCase c) => c.Layers.All(spec =>
        spec is not MaxPool2dSpec && spec is not ActivationSpec { Function: Activation.Relu or Activation.LeakyRelu });

    /// <summary>
    /// Gradients of Σ coefficient · output against central differences, on the 256-bit kernels and one thread, every layer
    /// apart, on the batch's first two images (each difference is two forward passes).
    /// </summary>
    private static void CheckFiniteDifferences(NetworkCase whole, int seed, float[] wholeInput, Action<bool, string> check)
    {
        var c = whole with { Batch = Math.Min(whole.Batch, 2) };
        float[] input = wholeInput.AsSpan(0, wholeInput.Length / whole.Batch * c.Batch).ToArray();
        var (sequence, store) = Build(c, seed, wide: false);
        int layers = sequence.Layers.Count;
        for (int slot = 1; slot < layers; slot++) sequence.KeepSlotWritten(slot);
        sequence.ChainsSamples = false;
        var cache = sequence.CreateCache(c.Batch, forTraining: true);
        var context = new LayerContext(Training: true, Threads: 1);
        float[] coefficients = TestData.Uniform(new SeededRandom(seed + 99), c.Batch * sequence.OutputSize, -1f, 1f);
        float[] x = (float[])input.Clone();

        double Objective()
        {
            x.CopyTo(cache.Values(0, c.Batch));
            sequence.Forward(cache, c.Batch, context);
            return TestData.WeightedSum(coefficients, cache.Values(layers, c.Batch));
        }

        Objective();
        cache.ZeroGradients();
        store.ZeroGradients();
        coefficients.CopyTo(cache.Gradients(layers, c.Batch));
        sequence.Backward(cache, c.Batch, context, needInputGradient: true);
        float[] inputGradient = cache.Gradients(0, c.Batch).ToArray();
        // Steps longer than the usual 1e-3 divide the forward passes' rounding by more (deep stacks of convolutions left
        // 1 % of it in a quotient): without activations the objective is linear in each value, so a quotient has no
        // truncation error at any step; with sigmoids and tanhs only (the smooth cases checked here) a step of 1e-2 leaves
        // one of about 1e-4.
        float step = c.Layers.Any(spec => spec is ActivationSpec) ? 1e-2f : 0.05f;
        foreach (var parameter in store.Parameters)
        {
            string? mismatch = GradientCheck.Mismatch(parameter.Gradients,
                GradientCheck.Numerical(store.Values, parameter.Offset, parameter.Length, Objective, step), 5e-3);
            check(mismatch == null, $"finite differences, {parameter.Name}: {mismatch}");
        }
        string? inputMismatch = GradientCheck.Mismatch(inputGradient, GradientCheck.Numerical(x, 0, x.Length, Objective, step), 5e-3);
        check(inputMismatch == null, $"finite differences, input: {inputMismatch}");
    }

    /// <summary>The pair of values furthest apart, for a message.</summary>
    private static string Worst(float[] expected, float[] actual)
    {
        int worst = 0;
        for (int i = 1; i < expected.Length; i++)
            if (Math.Abs(actual[i] - expected[i]) > Math.Abs(actual[worst] - expected[worst])) worst = i;
        return expected.Length == 0 ? "" : $"[{worst}] {actual[worst]:R} vs {expected[worst]:R}";
    }

    /// <summary>
    /// Closeness of two sums of the same terms in different orders: within 1e-5 of the tensor's largest gradient or of the
    /// network's (<paramref name="networkLargest"/>). A sum that cancels (a bias gradient of 0.008 from per-image sums of
    /// 30) keeps the rounding of its partial sums, which only the magnitudes around it bound.
    /// </summary>
    private static bool Close(float[] expected, float[] actual, double networkLargest)
    {
        double largest = expected.Length == 0 ? 0 : expected.Max(v => Math.Abs((double)v));
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(actual[i] - expected[i]) <= 1e-5 * (largest + networkLargest) + 1e-5 * Math.Abs(expected[i]) + 1e-30)) return false;
        return true;
    }
}
