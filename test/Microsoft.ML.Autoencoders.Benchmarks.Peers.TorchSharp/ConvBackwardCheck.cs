using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.Autoencoders.Benchmarks.Peers.TorchSharp;

/// <summary>
/// Whether libtorch's float32 convolution gives the right input gradient on this machine, for build/bench.sh
/// (--check-conv-backward). On an EPYC Zen 5 guest (family 26 model 2) the oneDNN 3.7.1 inside TorchSharp-cpu 0.107.0's
/// libtorch returns wrong input gradients, NaN among them, from its JIT backward-data kernels (jit:avx512_core, and
/// jit:avx2 under ONEDNN_MAX_CPU_ISA=AVX2) whenever a convolution's output channels do not fill its 16- or 8-wide channel
/// block, as the conv case's 8- and 1-channel layers do; forward and weight gradients stay right, and with
/// ONEDNN_MAX_CPU_ISA=AVX oneDNN takes its GEMM-based backward-data path, which is right. The check compares the input
/// gradient of those two layer shapes against float64, which libtorch computes without oneDNN.
/// </summary>
public static class ConvBackwardCheck
{
    /// <summary>Largest difference from float64 accepted: float32 sums of 144 products stay within ~1e-6 here.</summary>
    private const double Tolerance = 1e-3;

    /// <summary>Prints each shape's largest difference over three tries; true when all are within <see cref="Tolerance"/>.</summary>
    public static bool Run()
    {
        torch.manual_seed(AutoencoderCase.Seed);
        bool right = true;
        foreach (var (inputs, outputs, size) in new[] { (8, 8, 4), (16, 1, 28) })
        {
            // The wrong results come and go from one call to the next on the broken machine: three tries each.
            double difference = Enumerable.Range(0, 3).Max(_ => LargestInputGradientError(inputs, outputs, size));
            right &= difference <= Tolerance;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"conv {inputs}->{outputs} channels, 3x3, {size}x{size}, batch 128: input gradient differs from float64's by up to {difference:G3}"));
        }
        return right;
    }

    private static double LargestInputGradientError(int inputs, int outputs, int size)
    {
        using var scope = torch.NewDisposeScope();
        using var gradients = torch.enable_grad();
        var single = Conv2d(inputs, outputs, 3, padding: 1);
        var reference = Conv2d(inputs, outputs, 3, padding: 1).to(ScalarType.Float64);
        using (torch.no_grad())
        {
            reference.weight!.copy_(single.weight!);
            reference.bias!.copy_(single.bias!);
        }
        var x = torch.randn(128, inputs, size, size).requires_grad_();
        var upstream = torch.randn(128, outputs, size, size);
        single.forward(x).backward([upstream]);
        var x64 = x.detach().to(ScalarType.Float64).requires_grad_();
        reference.forward(x64).backward([upstream.to(ScalarType.Float64)]);
        // NaN counts as the largest error there is.
        return torch.nan_to_num((x.grad!.to(ScalarType.Float64) - x64.grad!).abs(), nan: double.MaxValue).max().item<double>();
    }
}
