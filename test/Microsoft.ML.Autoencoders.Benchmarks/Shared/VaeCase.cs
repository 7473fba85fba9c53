namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// The variational autoencoder every framework trains (issue 13's speed case): the PyTorch examples' VAE, 784-400-20
/// (ReLU, a linear layer each for μ and log σ², a sigmoid output), binary cross-entropy summed over the pixels plus the
/// closed-form KL term, Adam with learning rate 1e-3, batch 128, rows shuffled every epoch, PyTorch's default
/// initialization (U(±1/√fan_in)). Two epochs are trained (the first warms up); the figure is the second one's time, and
/// the test negative ELBO after both (nats per image, one latent draw per image) shows the work was the same.
/// pytorch_bench.py and the TorchSharp peer build the same network.
/// </summary>
public static class VaeCase
{
    public const int BatchSize = 128;
    public const float LearningRate = 1e-3f;
    public const int Epochs = 2;
    public const int Hidden = 400;
    public const int Latent = 20;
}
