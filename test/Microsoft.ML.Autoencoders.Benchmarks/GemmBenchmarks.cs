using BenchmarkDotNet.Attributes;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// BenchmarkDotNet view of our SGEMM on every shape in <see cref="GemmCases"/>, for working on the kernel:
/// <c>dotnet run -c Release -- bdn --filter *Gemm*</c>. The side-by-side figures come from
/// <see cref="KernelSuite"/>, which times the same call with the method the peers use.
/// </summary>
public class GemmBenchmarks
{
    private GemmOperands _operands = null!;

    /// <summary>Case names rather than records, so BenchmarkDotNet's table shows readable parameters.</summary>
    public static IEnumerable<string> CaseNames => GemmCases.All.Select(c => c.Name);

    [ParamsSource(nameof(CaseNames))]
    public string Case { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup() => _operands = new GemmOperands(GemmCases.All.Single(c => c.Name == Case), Threads);

    [Benchmark]
    public void Multiply() => _operands.Multiply();
}
