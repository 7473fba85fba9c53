using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Engine.Variational;

/// <summary>
/// A trained network read as a variational autoencoder: its encoder ends in a <see cref="GaussianSampling"/> layer, so it
/// can score rows by the negative ELBO, draw new items from the prior, decode given latent points and interpolate.
/// Nothing here trains: the network is an <see cref="AutoencoderNetwork"/> trained like any other, with
/// <see cref="GaussianKlDivergence"/> among its penalties.
/// </summary>
/// <remarks>
/// The negative ELBO of a row is the reconstruction term in nats, the training loss summed over the row (binary
/// cross-entropy: the Bernoulli likelihood exactly; squared error: a Gaussian one up to its constant and scale, as PyOD's
/// VAE counts it), plus KL(q(z|x) ‖ N(0, I)). With <c>samples</c> = 0 the reconstruction is decoded from the mean μ,
/// which is deterministic; with S ≥ 1 it is the average over S draws z = μ + σε, the estimate the literature reports.
/// Scoring may run on several threads at once (a transformer's cursors and prediction engines share one instance): each
/// call works in buffers of its own. A <see cref="SeededRandom"/> a caller passes (samples ≥ 1) is the caller's, and is
/// not safe to share between threads.
/// </remarks>
public sealed class VariationalAutoencoder
{
    private readonly int _lossSlot; // the slot the loss reads: the output, or the logits before a sigmoid

    /// <summary>Reads <paramref name="network"/> as a VAE whose reconstruction term is <paramref name="likelihood"/>.</summary>
    /// <exception cref="ArgumentException">The network has no Gaussian sampling layer producing its code.</exception>
    public VariationalAutoencoder(AutoencoderNetwork network, LossKind likelihood)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!IsVariational(network))
            throw new ArgumentException("This network is not a variational autoencoder: its code is not made by a gaussian_sampling layer.", nameof(network));
        Network = network;
        Sampling = (GaussianSampling)network.Layers.Layers[network.CodeSlot - 1];
        MomentsSlot = network.CodeSlot - 1;
        network.Layers.KeepSlotWritten(MomentsSlot);
        Likelihood = likelihood;
        _lossSlot = NewLikelihood().ReadsLogits ? network.Layers.Layers.Count - 1 : network.Layers.Layers.Count;
        // Scoring reads the logits after a whole forward pass (NegativeElboOfForwardPass): keep them written.
        if (_lossSlot < network.Layers.Layers.Count) network.Layers.KeepSlotWritten(_lossSlot);
    }

    /// <summary>
    /// The reconstruction term's loss, new for each call: a loss reuses a partial-sum buffer between calls, so one instance
    /// shared by two scoring threads would add up the other thread's rows.
    /// </summary>
    private Loss NewLikelihood() => Loss.Create(Likelihood, Network.OutputActivation);

    /// <summary>The reconstruction term's loss for one scorer (see <see cref="NegativeElboOfForwardPass(ActivationCache, int, Span{float}, Loss)"/>); not to be shared between threads.</summary>
    public Loss CreateLikelihood() => NewLikelihood();

    /// <summary>True when <paramref name="network"/>'s code comes out of a <see cref="GaussianSampling"/> layer.</summary>
    public static bool IsVariational(AutoencoderNetwork network) =>
        network.CodeSlot > 0 && network.Layers.Layers[network.CodeSlot - 1] is GaussianSampling;

    /// <summary>The network.</summary>
    public AutoencoderNetwork Network { get; }

    /// <summary>The latent layer.</summary>
    public GaussianSampling Sampling { get; }

    /// <summary>L, the latent's width.</summary>
    public int LatentSize => Sampling.LatentSize;

    /// <summary>Values per input (and generated) row.</summary>
    public int InputSize => Network.InputSize;

    /// <summary>The slot holding μ ‖ log σ².</summary>
    public int MomentsSlot { get; }

    /// <summary>The reconstruction term the network was trained with.</summary>
    public LossKind Likelihood { get; }

    /// <summary>
    /// Scores <paramref name="rows"/> rows of <paramref name="inputs"/>: the negative ELBO in nats per row and its two parts
    /// (any span may be empty to skip it). <paramref name="samples"/> = 0 decodes μ (deterministic); S ≥ 1 averages the
    /// reconstruction term over S draws from <paramref name="random"/>.
    /// </summary>
    public void NegativeElbo(ReadOnlySpan<float> inputs, int rows, Span<float> negativeElbo, Span<float> reconstructionNats, Span<float> divergence,
        int samples = 0, SeededRandom? random = null, int threads = 1)
    {
        CheckRows(inputs, rows, InputSize, nameof(inputs));
        if (samples < 0) throw new ArgumentOutOfRangeException(nameof(samples), samples, "Samples must be 0 (decode the mean) or more.");
        if (samples > 0 && random == null) throw new ArgumentException("Sampling the ELBO needs a seeded generator.", nameof(random));
        int width = InputSize, latent = LatentSize;
        int maxBatch = Math.Clamp(rows, 1, BatchRows);
        var cache = Network.CreateCache(maxBatch);
        var context = LayerContext.Inference(threads);
        var kl = new float[maxBatch];
        var likelihood = NewLikelihood();
        for (int start = 0; start < rows; start += maxBatch)
        {
            int batch = Math.Min(maxBatch, rows - start);
            ReadOnlySpan<float> batchInputs = inputs.Slice(start * width, batch * width);
            batchInputs.CopyTo(Network.Input(cache, batch));
            Network.Layers.Forward(cache, batch, context, 0, MomentsSlot);
            ReadOnlySpan<float> moments = cache.Values(MomentsSlot, batch);
            GaussianKlDivergence.RowDivergences(moments, batch, Sampling, kl);

            var reconstruction = new double[batch];
            for (int s = 0; s < Math.Max(1, samples); s++)
            {
                Span<float> code = Network.Code(cache, batch);
                for (int r = 0; r < batch; r++)
                for (int j = 0; j < latent; j++)
                {
                    float mean = moments[r * 2 * latent + j];
                    code[r * latent + j] = samples == 0 ? mean
                        : mean + MathF.Exp(0.5f * Sampling.ClampLogVariance(moments[r * 2 * latent + latent + j])) * random!.NextGaussian();
                }
                Network.Layers.Forward(cache, batch, context, Network.CodeSlot, _lossSlot);
                ReadOnlySpan<float> prediction = cache.Values(_lossSlot, batch);
                for (int r = 0; r < batch; r++)
                    reconstruction[r] += width * likelihood.Compute(prediction.Slice(r * width, width), batchInputs.Slice(r * width, width), Span<float>.Empty);
            }
            for (int r = 0; r < batch; r++)
            {
                float nats = (float)(reconstruction[r] / Math.Max(1, samples));
                if (!reconstructionNats.IsEmpty) reconstructionNats[start + r] = nats;
                if (!divergence.IsEmpty) divergence[start + r] = kl[r];
                if (!negativeElbo.IsEmpty) negativeElbo[start + r] = nats + kl[r];
            }
        }
    }

    /// <summary>
    /// The negative ELBO of the <paramref name="rows"/> rows <paramref name="cache"/> has just run through the whole network
    /// at inference (inputs in its input slot, so z = μ): the deterministic score, without a second pass.
    /// </summary>
    public void NegativeElboOfForwardPass(ActivationCache cache, int rows, Span<float> negativeElbo) =>
        NegativeElboOfForwardPass(cache, rows, negativeElbo, NewLikelihood());

    /// <summary>
    /// <see cref="NegativeElboOfForwardPass(ActivationCache, int, Span{float})"/> with a reconstruction term the caller made
    /// once with <see cref="CreateLikelihood"/> and uses on one thread at a time: a scorer called row by row (a prediction
    /// engine) then allocates nothing per row.
    /// </summary>
    public void NegativeElboOfForwardPass(ActivationCache cache, int rows, Span<float> negativeElbo, Loss likelihood)
    {
        int width = InputSize;
        GaussianKlDivergence.RowDivergences(cache.Values(MomentsSlot, rows), rows, Sampling, negativeElbo);
        ReadOnlySpan<float> prediction = cache.Values(_lossSlot, rows), inputs = cache.Values(0, rows);
        for (int r = 0; r < rows; r++)
            negativeElbo[r] += (float)(width * likelihood.Compute(prediction.Slice(r * width, width), inputs.Slice(r * width, width), Span<float>.Empty));
    }

    /// <summary>The mean negative ELBO over <paramref name="rows"/> rows, in nats per row (see <see cref="NegativeElbo"/>).</summary>
    public double MeanNegativeElbo(ReadOnlySpan<float> inputs, int rows, int samples = 1, long seed = 0, int threads = 1)
    {
        var perRow = new float[rows];
        NegativeElbo(inputs, rows, perRow, [], [], samples, samples > 0 ? new SeededRandom(seed) : null, threads);
        double sum = 0;
        foreach (float value in perRow) sum += value;
        return sum / rows;
    }

    /// <summary>μ and log σ² of each row's posterior: [rows, 2L], means first.</summary>
    public float[] EncodeMoments(ReadOnlySpan<float> inputs, int rows, int threads = 1) =>
        RunLayers(inputs, rows, fromSlot: 0, toSlot: MomentsSlot, threads, nameof(inputs));

    /// <summary>The posterior means μ of <paramref name="rows"/> rows: [rows, L], the code the transformer outputs.</summary>
    public float[] EncodeMeans(ReadOnlySpan<float> inputs, int rows, int threads = 1)
    {
        float[] moments = EncodeMoments(inputs, rows, threads);
        var means = new float[rows * LatentSize];
        for (int r = 0; r < rows; r++) moments.AsSpan(r * 2 * LatentSize, LatentSize).CopyTo(means.AsSpan(r * LatentSize));
        return means;
    }

    /// <summary>Decodes <paramref name="rows"/> latent points ([rows, L]) into items ([rows, InputSize]).</summary>
    public float[] Decode(ReadOnlySpan<float> latents, int rows, int threads = 1) =>
        RunLayers(latents, rows, fromSlot: Network.CodeSlot, toSlot: Network.Layers.Layers.Count, threads, nameof(latents));

    /// <summary>
    /// Runs the layers between two slots at inference, in batches: <paramref name="values"/> ([rows, width of
    /// <paramref name="fromSlot"/>]) go in, the rows of <paramref name="toSlot"/> come out.
    /// </summary>
    private float[] RunLayers(ReadOnlySpan<float> values, int rows, int fromSlot, int toSlot, int threads, string name)
    {
        var layers = Network.Layers;
        int inWidth = layers.SlotSize(fromSlot), outWidth = layers.SlotSize(toSlot);
        CheckRows(values, rows, inWidth, name);
        int maxBatch = Math.Clamp(rows, 1, BatchRows);
        var cache = Network.CreateCache(maxBatch);
        var context = LayerContext.Inference(threads);
        var result = new float[rows * outWidth];
        for (int start = 0; start < rows; start += maxBatch)
        {
            int batch = Math.Min(maxBatch, rows - start);
            values.Slice(start * inWidth, batch * inWidth).CopyTo(cache.Values(fromSlot, batch));
            layers.Forward(cache, batch, context, fromSlot, toSlot);
            cache.Values(toSlot, batch).CopyTo(result.AsSpan(start * outWidth));
        }
        return result;
    }

    /// <summary>
    /// <paramref name="count"/> new items: latent points drawn from the prior N(0, I) with <paramref name="seed"/> (same seed,
    /// same items), decoded. Returns the items [count, InputSize] and the points [count, L].
    /// </summary>
    public (float[] Items, float[] Latents) Sample(int count, long seed, int threads = 1)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "Ask for at least one sample.");
        var random = new SeededRandom(seed);
        var latents = new float[count * LatentSize];
        for (int i = 0; i < latents.Length; i++) latents[i] = random.NextGaussian();
        return (Decode(latents, count, threads), latents);
    }

    /// <summary>
    /// <paramref name="steps"/> latent points from <paramref name="from"/> to <paramref name="to"/> (both L values), ends
    /// included, along <paramref name="path"/>: [steps, L].
    /// </summary>
    public float[] InterpolateLatents(ReadOnlySpan<float> from, ReadOnlySpan<float> to, int steps, InterpolationPath path = InterpolationPath.Linear)
    {
        int latent = LatentSize;
        if (from.Length != latent || to.Length != latent) throw new ArgumentException($"Both latent points must hold {latent} values (got {from.Length} and {to.Length}).");
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, "An interpolation needs at least its two ends.");
        double dot = 0, normFrom = 0, normTo = 0;
        for (int j = 0; j < latent; j++)
        {
            dot += (double)from[j] * to[j];
            normFrom += (double)from[j] * from[j];
            normTo += (double)to[j] * to[j];
        }
        double omega = normFrom > 0 && normTo > 0 ? Math.Acos(Math.Clamp(dot / Math.Sqrt(normFrom * normTo), -1, 1)) : 0;
        // Nearly parallel points make sin Ω vanish; the great circle is then the line.
        bool spherical = path == InterpolationPath.Spherical && Math.Sin(omega) > 1e-6;
        var result = new float[steps * latent];
        for (int s = 0; s < steps; s++)
        {
            double t = (double)s / (steps - 1);
            double a = spherical ? Math.Sin((1 - t) * omega) / Math.Sin(omega) : 1 - t;
            double b = spherical ? Math.Sin(t * omega) / Math.Sin(omega) : t;
            for (int j = 0; j < latent; j++) result[s * latent + j] = (float)(a * from[j] + b * to[j]);
        }
        return result;
    }

    /// <summary>
    /// Decoded items along the path between the posterior means of two inputs (each InputSize values): [steps, InputSize],
    /// the first near <paramref name="from"/>'s reconstruction and the last near <paramref name="to"/>'s.
    /// </summary>
    public float[] Interpolate(ReadOnlySpan<float> from, ReadOnlySpan<float> to, int steps, InterpolationPath path = InterpolationPath.Linear, int threads = 1)
    {
        if (from.Length != InputSize || to.Length != InputSize)
            throw new ArgumentException($"Both inputs must hold {InputSize} values (got {from.Length} and {to.Length}).");
        var both = new float[2 * InputSize];
        from.CopyTo(both);
        to.CopyTo(both.AsSpan(InputSize));
        float[] means = EncodeMeans(both, 2, threads);
        return Decode(InterpolateLatents(means.AsSpan(0, LatentSize), means.AsSpan(LatentSize), steps, path), steps, threads);
    }

    /// <summary>Rows per pass through the network.</summary>
    private const int BatchRows = 1024;

    private static void CheckRows(ReadOnlySpan<float> values, int rows, int width, string name)
    {
        if (rows <= 0 || values.Length < (long)rows * width)
            throw new ArgumentException($"Expected {rows} rows of {width} values but got {values.Length} values.", name);
    }
}
