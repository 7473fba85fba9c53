using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// Central finite differences against analytic gradients, micrograd style. Forward passes run in float (that
/// is what the engine computes), but every objective is summed in double and the step actually taken is
/// measured after rounding to float, so the only noise left is the forward pass's own float rounding.
/// </summary>
internal static class GradientCheck
{
    /// <summary>The step: small enough that the O(eps²) truncation error of central differences is ~1e-6.</summary>
    public const float Epsilon = 1e-3f;

    /// <summary>
    /// Relative tolerance. Float forward passes leave ~1e-4 of rounding noise in a difference quotient with
    /// eps = 1e-3, far under 1%; a sign error (200% off) or a factor of two (50–100% off) is far above it.
    /// </summary>
    public const double RelativeTolerance = 1e-2;

    /// <summary>dObjective/dBuffer[offset + i] for i in [0, length), by central differences.</summary>
    public static double[] Numerical(float[] buffer, int offset, int length, Func<double> objective, float epsilon = Epsilon)
    {
        var result = new double[length];
        for (int i = 0; i < length; i++)
        {
            int at = offset + i;
            float saved = buffer[at];
            buffer[at] = saved + epsilon;
            double stepUp = (double)buffer[at] - saved; // the float step, not the nominal epsilon
            double up = objective();
            buffer[at] = saved - epsilon;
            double stepDown = (double)buffer[at] - saved;
            double down = objective();
            buffer[at] = saved;
            result[i] = (up - down) / (stepUp - stepDown);
        }
        return result;
    }

    /// <summary>
    /// Null when every analytic entry is within abs + rel·max(|a|, |n|) of the numerical one, else a description
    /// of the worst entry. Separate from the assertion so tests can show that a wrong gradient is rejected.
    /// </summary>
    public static string? Mismatch(ReadOnlySpan<float> analytic, double[] numerical, double absoluteTolerance, double relativeTolerance = RelativeTolerance)
    {
        if (analytic.Length != numerical.Length) return $"length {analytic.Length} != {numerical.Length}";
        string? worst = null;
        double worstExcess = 0;
        for (int i = 0; i < analytic.Length; i++)
        {
            double a = analytic[i], n = numerical[i];
            double allowed = absoluteTolerance + relativeTolerance * Math.Max(Math.Abs(a), Math.Abs(n));
            double excess = Math.Abs(a - n) / allowed;
            if (excess > 1 && excess > worstExcess)
            {
                worstExcess = excess;
                worst = $"element {i}: analytic {a:G6}, numerical {n:G6} (|diff| {Math.Abs(a - n):G3} > allowed {allowed:G3})";
            }
        }
        return worst;
    }

    /// <summary>
    /// Asserts the gradients match, and that the numerical gradient is not so small that the absolute tolerance
    /// alone would let any analytic gradient through (a check that cannot fail is no check).
    /// </summary>
    public static void AssertMatches(string what, ReadOnlySpan<float> analytic, double[] numerical, double absoluteTolerance)
    {
        double largest = numerical.Max(Math.Abs);
        Assert.True(largest > 20 * absoluteTolerance,
            $"{what}: the numerical gradient (max {largest:G3}) is too small for the tolerance {absoluteTolerance:G3} to mean anything.");
        string? mismatch = Mismatch(analytic, numerical, absoluteTolerance);
        Assert.True(mismatch == null, $"{what}: {mismatch}");
    }

    /// <summary>
    /// The objective Σ c·y of a single <paramref name="layer"/> (so dy = c), for finite differences: after one forward and
    /// backward pass from zeroed gradients, <paramref name="store"/>'s gradients and the returned <paramref name="dx"/> are its
    /// analytic gradient; <paramref name="scratch"/> holds the forward pass's scratch.
    /// </summary>
    public static Func<double> WeightedSumBackward(Layer layer, ParameterStore store, float[] x, float[] coefficients, int batch, LayerContext context,
        out float[] dx, out float[] scratch)
    {
        float[] y = new float[batch * layer.OutputSize], inputGradients = new float[x.Length], forwardScratch = new float[batch * layer.ScratchSizePerSample];
        double Objective()
        {
            layer.Forward(x, y, forwardScratch, batch, context);
            return TestData.WeightedSum(coefficients, y);
        }

        store.ZeroGradients();
        Objective();
        layer.Backward(x, y, coefficients, inputGradients, forwardScratch, batch, context);
        dx = inputGradients;
        scratch = forwardScratch;
        return Objective;
    }

    /// <summary>
    /// <see cref="WeightedSumBackward"/>, then the gradient of each trainable parameter in <paramref name="store"/> (the
    /// layer's own) and of the input against central differences of that objective.
    /// </summary>
    public static void AssertLayerGradients(Layer layer, ParameterStore store, float[] x, float[] coefficients, int batch, LayerContext context,
        double absoluteTolerance = 1e-4)
    {
        var objective = WeightedSumBackward(layer, store, x, coefficients, batch, context, out float[] dx, out _);
        var trainable = store.Parameters.Where(p => p.Offset < store.TrainableCount).ToList();
        Assert.NotEmpty(trainable);
        foreach (var parameter in trainable)
            AssertMatches(parameter.Name, parameter.Gradients, Numerical(store.Values, parameter.Offset, parameter.Length, objective), absoluteTolerance);
        AssertMatches("dx", dx, Numerical(x, 0, x.Length, objective), absoluteTolerance);
    }

    /// <summary>
    /// One forward and backward pass of <paramref name="network"/> under <paramref name="loss"/> (to the logits for a loss
    /// that reads them), then every parameter's and the input's gradient against central differences of the loss. The
    /// parameters must cover every scalar of the store, so none goes unchecked. With <paramref name="overwriteGradients"/>
    /// the pass writes its slots over, as the training step runs it; else it adds into cleared ones.
    /// </summary>
    public static void AssertNetworkGradients(AutoencoderNetwork network, Loss loss, float[] input, float[] target, int batch, LayerContext context,
        bool overwriteGradients, double absoluteTolerance = 1e-5)
    {
        var sequence = network.Layers;
        int lastLayer = loss.ReadsLogits ? sequence.Layers.Count - 1 : sequence.Layers.Count;
        var cache = network.CreateCache(batch, forTraining: true);

        double Objective()
        {
            input.CopyTo(network.Input(cache, batch));
            sequence.Forward(cache, batch, context, 0, lastLayer);
            return loss.Compute(cache.Values(lastLayer, batch), target, Span<float>.Empty);
        }

        input.CopyTo(network.Input(cache, batch));
        if (overwriteGradients) cache.Gradients(lastLayer, batch).Clear();
        else cache.ZeroGradients();
        network.Parameters.ZeroGradients();
        sequence.Forward(cache, batch, context, 0, lastLayer);
        loss.Compute(cache.Values(lastLayer, batch), target, cache.Gradients(lastLayer, batch));
        sequence.Backward(cache, batch, context, lastLayer, needInputGradient: true, overwriteGradients: overwriteGradients);
        float[] inputGradient = cache.Gradients(0, batch).ToArray();

        Assert.Equal(network.Parameters.Count, network.Parameters.Parameters.Sum(p => p.Length));
        foreach (var parameter in network.Parameters.Parameters)
        {
            double[] numerical = Numerical(network.Parameters.Values, parameter.Offset, parameter.Length, Objective);
            AssertMatches(parameter.Name, parameter.Gradients, numerical, absoluteTolerance);
        }
        AssertMatches("input", inputGradient, Numerical(input, 0, input.Length, Objective), absoluteTolerance);
    }
}

/// <summary>Small data generators shared by the tests.</summary>
internal static class TestData
{
    /// <summary><paramref name="count"/> copies of <paramref name="value"/> (NaN for buffers a pass must write before reading).</summary>
    public static float[] Filled(int count, float value)
    {
        var values = new float[count];
        Array.Fill(values, value);
        return values;
    }

    /// <summary>Uniform values in [low, high).</summary>
    public static float[] Uniform(SeededRandom random, int count, float low, float high)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = random.NextFloat(low, high);
        return values;
    }

    /// <summary>Values with |v| in [minMagnitude, maxMagnitude) and a random sign: keeps ReLU-style kinks out of reach of ±eps.</summary>
    public static float[] AwayFromZero(SeededRandom random, int count, float minMagnitude, float maxMagnitude)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            float magnitude = random.NextFloat(minMagnitude, maxMagnitude);
            values[i] = random.NextInt(2) == 0 ? -magnitude : magnitude;
        }
        return values;
    }

    /// <summary>Σ c·y in double: a scalar objective whose gradient with respect to y is exactly c.</summary>
    public static double WeightedSum(ReadOnlySpan<float> coefficients, ReadOnlySpan<float> y)
    {
        double sum = 0;
        for (int i = 0; i < y.Length; i++) sum += (double)coefficients[i] * y[i];
        return sum;
    }

    /// <summary>
    /// rows × dimension data x = Σⱼ zⱼ·sⱼ·uⱼ + σ·ε with zⱼ, ε standard normal and u an orthonormal basis of a random
    /// subspace: variance sⱼ² along uⱼ, σ² in every other direction. Returns the data and the basis (row j is uⱼ).
    /// </summary>
    public static (float[] Data, double[][] Basis) NearSubspace(SeededRandom random, int rows, int dimension, double[] scales, double noise)
    {
        int k = scales.Length;
        var basis = new double[k][];
        for (int j = 0; j < k; j++)
        {
            // Gram–Schmidt on Gaussian vectors gives a uniformly random orthonormal basis.
            var u = Enumerable.Range(0, dimension).Select(_ => (double)random.NextGaussian()).ToArray();
            for (int p = 0; p < j; p++)
            {
                double dot = Dot(u, basis[p]);
                for (int i = 0; i < dimension; i++) u[i] -= dot * basis[p][i];
            }
            double norm = Math.Sqrt(Dot(u, u));
            basis[j] = u.Select(v => v / norm).ToArray();
        }

        var data = new float[rows * dimension];
        var row = new double[dimension];
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < dimension; i++) row[i] = noise * random.NextGaussian();
            for (int j = 0; j < k; j++)
            {
                double z = scales[j] * random.NextGaussian();
                for (int i = 0; i < dimension; i++) row[i] += z * basis[j][i];
            }
            for (int i = 0; i < dimension; i++) data[r * dimension + i] = (float)row[i];
        }
        return (data, basis);
    }

    /// <summary>Σ aᵢbᵢ.</summary>
    public static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }
}
