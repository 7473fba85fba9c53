namespace Microsoft.ML.Autoencoders.Engine.Variational;

/// <summary>
/// How the KL term of a variational autoencoder is weighted as training goes on, in epochs (fractional: 1.5 is half way
/// through the second). Two published remedies for a KL term that wins too early and leaves the latent unused
/// ("posterior collapse"): a warm-up that ramps β from 0 to its value (Bowman et al., 2016), and the capacity C of
/// Burgess et al. (2018), where the penalty is β·|KL − C| and C grows from 0 to its value, letting the latent carry
/// about C nats per row. PyOD's VAE offers C as a constant: leave <see cref="CapacityWarmupEpochs"/> at 0 for that.
/// </summary>
public sealed record KlSchedule
{
    /// <summary>β, the KL term's weight once warmed up (1 is the ELBO; above 1 a β-VAE).</summary>
    public float Beta { get; init; } = 1f;

    /// <summary>Epochs over which β rises linearly from 0 (0 = β from the first step).</summary>
    public double WarmupEpochs { get; init; }

    /// <summary>C, in nats per row: the KL the penalty aims at, β·|KL − C| (0 = the plain KL term).</summary>
    public float Capacity { get; init; }

    /// <summary>Epochs over which C rises linearly from 0 to <see cref="Capacity"/> (0 = C throughout).</summary>
    public double CapacityWarmupEpochs { get; init; }

    /// <summary>β after <paramref name="epochs"/> epochs of training.</summary>
    public float BetaAt(double epochs) => WarmupEpochs > 0 ? Beta * (float)Math.Clamp(epochs / WarmupEpochs, 0, 1) : Beta;

    /// <summary>C after <paramref name="epochs"/> epochs of training.</summary>
    public float CapacityAt(double epochs) =>
        CapacityWarmupEpochs > 0 ? Capacity * (float)Math.Clamp(epochs / CapacityWarmupEpochs, 0, 1) : Capacity;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (!(Beta >= 0) || !float.IsFinite(Beta)) throw new ArgumentException($"The KL weight beta must be finite and non-negative (was {Beta}).");
        if (!(WarmupEpochs >= 0) || !double.IsFinite(WarmupEpochs)) throw new ArgumentException($"The KL warm-up must be a finite, non-negative number of epochs (was {WarmupEpochs}).");
        if (!(Capacity >= 0) || !float.IsFinite(Capacity)) throw new ArgumentException($"The KL capacity C must be finite and non-negative, in nats (was {Capacity}).");
        if (!(CapacityWarmupEpochs >= 0) || !double.IsFinite(CapacityWarmupEpochs))
            throw new ArgumentException($"The capacity warm-up must be a finite, non-negative number of epochs (was {CapacityWarmupEpochs}).");
        if (CapacityWarmupEpochs > 0 && Capacity == 0) throw new ArgumentException("A capacity warm-up needs a capacity C above 0 to rise to.");
    }

    /// <summary>"β 1", "β 4 warmed up over 5 epochs, C 25 nats over 10 epochs", for messages.</summary>
    public override string ToString() =>
        $"beta {Beta}" + (WarmupEpochs > 0 ? $" warmed up over {WarmupEpochs} epochs" : "")
        + (Capacity > 0 ? $", capacity {Capacity} nats" + (CapacityWarmupEpochs > 0 ? $" over {CapacityWarmupEpochs} epochs" : "") : "");
}
