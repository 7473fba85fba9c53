namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// A setting moved off its default that nothing in the configured autoencoder reads is refused at construction, naming
/// the setting and the option that would read it; the same setting with its reader turned on trains.
/// </summary>
public class OptionsReadByNothingTests
{
    /// <summary>Each setting nothing reads, the text its error must contain, and the option that makes it read.</summary>
    private static readonly Dictionary<string, (Action<AutoencoderOptions> Unread, string Message, Action<AutoencoderOptions> Reader)> Cases = new()
    {
        ["Momentum under Adam"] = (o => o.Momentum = 0.5f, "Momentum is SGD's momentum, and Adam does not read it", o => o.Optimizer = AutoencoderOptimizer.Sgd),
        ["NoiseLevel without Noise"] = (o => o.NoiseLevel = 0.2f, "NoiseLevel scales the input corruption, but Noise is None", o => o.Noise = AutoencoderNoise.Gaussian),
        ["SparsityTarget without SparsityWeight"] = (o => o.SparsityTarget = 0.1f, "SparsityTarget is the KL sparsity penalty's target, but SparsityWeight is 0", o => { o.SparsityWeight = 0.1f; o.CodeActivation = AutoencoderActivation.Sigmoid; }),
        ["ContractiveProbes without ContractiveWeight"] = (o => o.ContractiveProbes = 4, "ContractiveProbes sets the contractive penalty's probes, but ContractiveWeight is 0", o => o.ContractiveWeight = 1e-3f),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void SettingNothingReadsIsRefusedAtConstruction(string setting)
    {
        var options = TestAutoencoders.Options(epochs: 1);
        Cases[setting].Unread(options);

        var error = Assert.Throws<ArgumentException>(() => new MLContext(seed: 1).Transforms.Autoencoder(options));

        Assert.Contains(Cases[setting].Message, error.Message);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void SameSettingWithItsReaderTrains(string setting)
    {
        var ml = new MLContext(seed: 1);
        var options = TestAutoencoders.Options(epochs: 1);
        Cases[setting].Unread(options);
        Cases[setting].Reader(options);

        var model = ml.Transforms.Autoencoder(options).Fit(SyntheticData.DataView(ml, 64));

        Assert.Single(model.Model.TrainingHistory!.Epochs);
    }
}
