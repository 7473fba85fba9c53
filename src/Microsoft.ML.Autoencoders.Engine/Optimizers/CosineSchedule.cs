namespace Microsoft.ML.Autoencoders.Engine.Optimizers;

/// <summary>
/// Cosine annealing (Loshchilov and Hutter, SGDR, 2017, without restarts): after an optional linear warm-up the rate falls
/// from the base rate to <see cref="MinimumRate"/> along half a cosine over the remaining epochs, updated every step.
/// </summary>
/// <param name="totalEpochs">The epochs the curve spans: the run's epochs, usually.</param>
/// <param name="minimumRate">The rate at the end of the curve (and after it).</param>
/// <param name="warmupEpochs">Epochs over which the rate first rises linearly from 0 to the base rate (0 = none).</param>
public sealed class CosineSchedule(int totalEpochs, float minimumRate = 0f, double warmupEpochs = 0) : LearningRateSchedule
{
    private float _baseRate;

    /// <summary>The epochs the curve spans.</summary>
    public int TotalEpochs { get; } = totalEpochs;

    /// <summary>The rate at the end.</summary>
    public float MinimumRate { get; } = minimumRate;

    /// <summary>The linear warm-up's length in epochs.</summary>
    public double WarmupEpochs { get; } = warmupEpochs;

    /// <inheritdoc/>
    public override void Start(float baseRate) => _baseRate = baseRate;

    /// <summary>
    /// Warm-up: base · t / warm-up. Then min + ½ (base − min)(1 + cos(π · progress)), progress running from 0 at the warm-up's
    /// end to 1 at <see cref="TotalEpochs"/>.
    /// </summary>
    public override float RateAt(double epochs)
    {
        if (epochs < WarmupEpochs) return (float)(_baseRate * epochs / WarmupEpochs);
        double progress = Math.Clamp((epochs - WarmupEpochs) / (TotalEpochs - WarmupEpochs), 0, 1);
        return (float)(MinimumRate + 0.5 * (_baseRate - MinimumRate) * (1 + Math.Cos(Math.PI * progress)));
    }

    /// <inheritdoc/>
    public override void Validate()
    {
        if (TotalEpochs <= 0) throw new ArgumentException($"The cosine schedule's TotalEpochs must be positive (was {TotalEpochs}).");
        if (!(MinimumRate >= 0) || float.IsInfinity(MinimumRate)) throw new ArgumentException($"The cosine schedule's MinimumRate must be finite and non-negative (was {MinimumRate}).");
        if (!(WarmupEpochs >= 0 && WarmupEpochs < TotalEpochs))
            throw new ArgumentException($"The cosine schedule's WarmupEpochs must be in [0, TotalEpochs) (was {WarmupEpochs} of {TotalEpochs}).");
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"cosine over {TotalEpochs} epochs to {MinimumRate}" + (WarmupEpochs > 0 ? $" after a {WarmupEpochs}-epoch warm-up" : "");
}
