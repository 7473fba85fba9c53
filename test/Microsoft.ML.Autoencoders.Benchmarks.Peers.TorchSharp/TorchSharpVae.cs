using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.Autoencoders.Benchmarks.Peers.TorchSharp;

/// <summary>
/// The <see cref="VaeCase"/> network written as a TorchSharp user writes the PyTorch examples' VAE: a module with fc1,
/// fc21, fc22, fc3, fc4, the reparameterization in forward, BCE summed plus the KL term, optim.Adam, two epochs.
/// </summary>
public static class TorchSharpVae
{
    private sealed class Vae : Module<Tensor, (Tensor Reconstruction, Tensor Mean, Tensor LogVariance)>
    {
        private readonly Linear fc1 = Linear(784, VaeCase.Hidden), fc21 = Linear(VaeCase.Hidden, VaeCase.Latent), fc22 = Linear(VaeCase.Hidden, VaeCase.Latent);
        private readonly Linear fc3 = Linear(VaeCase.Latent, VaeCase.Hidden), fc4 = Linear(VaeCase.Hidden, 784);

        public Vae() : base("vae") => RegisterComponents();

        public override (Tensor Reconstruction, Tensor Mean, Tensor LogVariance) forward(Tensor x)
        {
            var h = functional.relu(fc1.forward(x));
            var mean = fc21.forward(h);
            var logVariance = fc22.forward(h);
            var z = mean + torch.randn_like(mean) * torch.exp(0.5 * logVariance);
            return (torch.sigmoid(fc4.forward(functional.relu(fc3.forward(z)))), mean, logVariance);
        }
    }

    private static Tensor NegativeElbo(Vae model, Tensor x)
    {
        var (reconstruction, mean, logVariance) = model.forward(x);
        var bce = functional.binary_cross_entropy(reconstruction, x, reduction: Reduction.Sum);
        return bce - 0.5 * torch.sum(1 + logVariance - mean.pow(2) - logVariance.exp());
    }

    public static void Run(Tensor train, Tensor test, int trainRows, int testRows, BenchReport report)
    {
        torch.manual_seed(AutoencoderCase.Seed);
        using var gradients = torch.enable_grad();
        var model = new Vae();
        var optimizer = optim.Adam(model.parameters(), lr: VaeCase.LearningRate);
        Console.WriteLine("  variational autoencoder (PyTorch examples' VAE)");
        double seconds = 0;
        for (int epoch = 1; epoch <= VaeCase.Epochs; epoch++)
        {
            model.train();
            var clock = Stopwatch.StartNew();
            double total = 0;
            using (var epochScope = torch.NewDisposeScope())
            {
                var order = torch.randperm(trainRows);
                for (int start = 0; start < trainRows; start += VaeCase.BatchSize)
                {
                    using var batchScope = torch.NewDisposeScope();
                    var x = train.index_select(0, order.narrow(0, start, Math.Min(VaeCase.BatchSize, trainRows - start)));
                    var loss = NegativeElbo(model, x);
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                    total += loss.item<float>();
                }
            }
            seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"    epoch {epoch}: negative ELBO {total / trainRows:F2}, {seconds:F3} s");
        }
        report.Add("vae_epoch_seconds", "s/epoch", seconds, "lower", $"epoch {VaeCase.Epochs} of {VaeCase.Epochs}, {trainRows} rows, batch {VaeCase.BatchSize}");

        model.eval();
        using var noGrad = torch.no_grad();
        double sum = 0;
        for (int start = 0; start < testRows; start += 500)
        {
            using var scope = torch.NewDisposeScope();
            sum += NegativeElbo(model, test.narrow(0, start, Math.Min(500, testRows - start))).item<float>();
        }
        report.Add("vae_test_negative_elbo", "nats/image", sum / testRows, "lower", $"{testRows} test rows after {VaeCase.Epochs} epochs, one latent draw each");
    }
}
