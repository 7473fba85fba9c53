namespace Microsoft.ML.Autoencoders.Tests.Kinds;

/// <summary>The catalog methods configure the kind they name, and settings that cannot work fail early with the fix.</summary>
public class KindOptionsTests
{
    /// <summary>Each way of giving the network with a code wider than SyntheticData's 12 values, and what its error must advise.</summary>
    private static readonly Dictionary<string, (Action<AutoencoderOptions> Shape, string Advice)> OvercompleteNetworks = new()
    {
        ["CodeSize"] = (o => o.CodeSize = SyntheticData.Width + 8, "Make CodeSize smaller than the input"),
        // 1×4×3 images, one unpooled block of 4 filters: a 4×4×3 code of 48 values.
        ["ConvolutionBlocks"] = (o =>
        {
            o.CodeSize = AutoencoderEstimator.Defaults.CodeSize;
            o.InputShape = [1, 4, 3];
            o.ConvolutionBlocks = [new Engine.Models.ConvolutionBlock(4, Pooling: 1)];
        }, "give that block fewer Filters (it has 4)"),
        ["EncoderLayers"] = (o =>
        {
            o.CodeSize = AutoencoderEstimator.Defaults.CodeSize;
            o.EncoderLayers = [new Engine.Layers.DenseSpec(20)];
        }, "end the list with a narrower layer"),
        // Windows of 6 steps × 2 channels, an LSTM code of 20.
        ["Sequence"] = (o =>
        {
            o.CodeSize = AutoencoderEstimator.Defaults.CodeSize;
            o.Sequence = Engine.Models.SequenceArchitecture.LstmAutoencoder(6, channels: 2, hiddenUnits: 8, codeSize: 20);
        }, "wider than each window [6, 2] (12 values)"),
    };

    public static TheoryData<string> OvercompleteNetworkNames => new(OvercompleteNetworks.Keys);

    /// <summary>
    /// CodeSize is refused beside ConvolutionBlocks and EncoderLayers, so the overcomplete error must not tell those
    /// users to lower it: it names the setting that shapes their code.
    /// </summary>
    [Theory]
    [MemberData(nameof(OvercompleteNetworkNames))]
    public void OvercompleteCodeErrorNamesTheSettingThatShapesTheCode(string network)
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 20);
        var options = TestAutoencoders.Options(epochs: 1);
        options.HiddenLayerSizes = [];
        options.OutputActivation = AutoencoderActivation.Linear;
        var (shape, advice) = OvercompleteNetworks[network];
        shape(options);

        var error = Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(options).Fit(data));

        Assert.Contains("overcomplete", error.Message);
        Assert.Contains(advice, error.Message);
        // (The Sequence's advice is the architecture's own CodeSize, which is not the refused option.)
        if (network is "ConvolutionBlocks" or "EncoderLayers") Assert.DoesNotContain("CodeSize", error.Message);
    }

    /// <summary>The sequence detector trains on windows under a reserved column name: its overcomplete error speaks of the window.</summary>
    [Fact]
    public void SequenceDetectorOvercompleteErrorSpeaksOfTheWindowNotAReservedColumn()
    {
        var ml = new MLContext(seed: 1);
        var series = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 40).Select(t => new SyntheticData.Row { Label = (float)Math.Sin(t / 3.0) }));
        var detector = ml.AnomalyDetection.Trainers.SequenceAutoencoder(new SequenceAnomalyOptions
        {
            ChannelColumnNames = ["Label"],
            Architecture = Engine.Models.SequenceArchitecture.LstmAutoencoder(8, channels: 1, hiddenUnits: 8, codeSize: 20),
            Autoencoder = new AutoencoderOptions { Epochs = 1, NumberOfThreads = 1 },
        });

        var error = Assert.Throws<ArgumentException>(() => detector.Fit(series));

        Assert.Contains("wider than each window [8, 1] (8 values)", error.Message);
        Assert.DoesNotContain("'__", error.Message);
    }

    [Fact]
    public void OvercompleteCodeNeedsARegularizer()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 100);
        var options = TestAutoencoders.Options(epochs: 1);
        options.HiddenLayerSizes = [];
        options.CodeSize = SyntheticData.Width + 8;

        var error = Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(options).Fit(data));
        Assert.Contains("overcomplete", error.Message);
        Assert.Contains("SparsityL1", error.Message);

        options.SparsityL1 = 1e-3f;
        var sparse = ml.Transforms.Autoencoder(options).Fit(data);
        Assert.Equal(SyntheticData.Width + 8, sparse.Model.CodeSize);

        // A paired target is not the input, so copying the input is no shortcut: a wide code needs no regularizer there.
        options.SparsityL1 = 0;
        options.TargetColumnName = "Target";
        var paired = ml.Transforms.CopyColumns("Target", "Features").Fit(data).Transform(data);
        Assert.Equal(SyntheticData.Width + 8, ml.Transforms.Autoencoder(options).Fit(paired).Model.CodeSize);
    }

    [Fact]
    public void DefaultCodeSize_IsCappedBelowANarrowInput()
    {
        // 12 features: the default code of 32 would be overcomplete; left at the default it becomes 11. The anomaly detector,
        // whose default network is the same, works on the same narrow table.
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 100);
        var transformer = ml.Transforms.Autoencoder("Code", "Features", epochs: 1).Fit(data);
        Assert.Equal(SyntheticData.Width - 1, transformer.Model.CodeSize);
        var detector = ml.AnomalyDetection.Trainers.Autoencoder("Features", epochs: 1).Fit(data);
        Assert.Equal(SyntheticData.Width - 1, detector.Model.CodeSize);

        // With a regularizer the default width stays: a sparse code of 32 on 12 features is a deliberate overcomplete code.
        var sparse = ml.Transforms.SparseAutoencoder("Code", "Features", codeSize: AutoencoderEstimator.Defaults.CodeSize, sparsityL1: 1e-3f, epochs: 1).Fit(data);
        Assert.Equal(AutoencoderEstimator.Defaults.CodeSize, sparse.Model.CodeSize);

        // A width the user chose is kept, and still refused when overcomplete without a regularizer.
        var options = TestAutoencoders.Options(epochs: 1);
        options.HiddenLayerSizes = [];
        options.CodeSize = 20;
        Assert.Contains("overcomplete", Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(options).Fit(data)).Message);
    }

    [Theory]
    [InlineData(150, 200)]     // batch 16: 10 batches an epoch, 200 epochs for 2,000 steps
    [InlineData(3000, 167)]    // batch 256: 12 batches an epoch
    [InlineData(60000, 10)]    // MNIST-sized: the defaults as they are
    public void DefaultTrainingLengthFollowsTheRowCount(int rows, int epochs)
    {
        var defaults = new AutoencoderOptions();
        Assert.Equal((epochs, Math.Clamp(rows / 10, 16, 256)), TrainingLength.For(defaults, rows));
        // Either setting given by the user keeps both as given.
        Assert.Equal((10, 64), TrainingLength.For(new AutoencoderOptions { BatchSize = 64 }, rows));
        Assert.Equal((3, 256), TrainingLength.For(new AutoencoderOptions { Epochs = 3 }, rows));
    }

    [Fact]
    public void ASmallTableTrainsLongEnoughByDefault()
    {
        var ml = new MLContext(seed: 1);
        var options = new AutoencoderOptions { CodeSize = 3, HiddenLayerSizes = [8] };
        var history = ml.Transforms.Autoencoder(options).Fit(SyntheticData.DataView(ml, 150)).Model.TrainingHistory!;
        Assert.Equal(200, history.Epochs.Count);
        options.Epochs = 4;
        Assert.Equal(4, ml.Transforms.Autoencoder(options).Fit(SyntheticData.DataView(ml, 150)).Model.TrainingHistory!.Epochs.Count);
    }

    [Fact]
    public void ALearningRateScheduleReachesTheTrainer()
    {
        var ml = new MLContext(seed: 1);
        var options = TestAutoencoders.Options(epochs: 4);
        options.LearningRate = 0.01f;
        options.LearningRateSchedule = new Engine.Optimizers.CosineSchedule(totalEpochs: 4, minimumRate: 0.001f);
        var history = ml.Transforms.Autoencoder(options).Fit(SyntheticData.DataView(ml, 100)).Model.TrainingHistory!;
        var rates = history.Epochs.Select(e => e.LearningRate).ToList();
        Assert.True(rates.Zip(rates.Skip(1)).All(p => p.First > p.Second), $"The rate should fall every epoch: {string.Join(", ", rates)}.");
        Assert.InRange(rates[^1], 0.001f, 0.002f); // near the minimum by the last step
        Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(new AutoencoderOptions { LearningRateSchedule = new Engine.Optimizers.StepDecaySchedule(0) }));
    }

    [Fact]
    public void KlSparsityWithoutASigmoidCodeFailsAtConstruction()
    {
        var ml = new MLContext(seed: 1);
        var options = TestAutoencoders.Options();
        options.SparsityWeight = 0.1f;
        var error = Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(options));
        Assert.Contains("Sigmoid", error.Message);
    }

    [Fact]
    public void CatalogMethodsPreconfigureTheirKind()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 100);

        var denoising = ml.Transforms.DenoisingAutoencoder("Clean", "Features", AutoencoderNoise.SaltAndPepper, 0.1f, codeSize: 4, epochs: 2).Fit(data);
        Assert.Equal("Clean", denoising.DenoisedColumnName);
        Assert.NotNull(denoising.Transform(data).Schema.GetColumnOrNull("Clean"));

        var sparseKl = ml.Transforms.SparseAutoencoder("Code", "Features", codeSize: 16, sparsityL1: 0, sparsityWeight: 0.5f, epochs: 2).Fit(data);
        Assert.Equal(Engine.Activation.Sigmoid, sparseKl.Model.Spec.Producer("code")?.AppliedActivation);
        Assert.Equal(16, sparseKl.Model.CodeSize); // overcomplete is allowed: the sparsity penalty is on

        var contractive = ml.Transforms.ContractiveAutoencoder("Code", "Features", codeSize: 4, epochs: 2).Fit(data);
        Assert.Equal(Engine.Activation.Sigmoid, contractive.Model.Spec.Producer("code")?.AppliedActivation);
        Assert.True(contractive.Model.TrainingHistory!.Epochs.All(e => e.Penalty > 0));

        Assert.Throws<ArgumentException>(() => ml.Transforms.DenoisingAutoencoder(TestAutoencoders.Options()));
        Assert.Throws<ArgumentException>(() => ml.Transforms.SparseAutoencoder(TestAutoencoders.Options()));
        Assert.Throws<ArgumentException>(() => ml.Transforms.ContractiveAutoencoder(TestAutoencoders.Options()));
        var noLevel = TestAutoencoders.Options();
        noLevel.Noise = AutoencoderNoise.Gaussian;
        noLevel.NoiseLevel = 0;
        Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(noLevel));
    }

    [Fact]
    public void OptionsOverloads_RefuseOptionsWithoutTheirKindsSettingAndSayWhichToSet()
    {
        var ml = new MLContext(seed: 1);
        var plain = TestAutoencoders.Options();
        (Func<TransformsCatalog, AutoencoderOptions, AutoencoderEstimator> Create, string Setting)[] kinds =
        [
            (AutoencoderCatalog.DenoisingAutoencoder, "Noise"),
            (AutoencoderCatalog.SparseAutoencoder, "SparsityL1"),
            (AutoencoderCatalog.ContractiveAutoencoder, "ContractiveWeight"),
        ];
        foreach (var (create, setting) in kinds)
        {
            var error = Assert.Throws<ArgumentException>(() => create(ml.Transforms, plain));
            Assert.Equal("options", error.ParamName);
            Assert.Contains(setting, error.Message);
            Assert.Equal("catalog", Assert.Throws<ArgumentNullException>(() => create(null!, plain)).ParamName);
            Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => create(ml.Transforms, null!)).ParamName);
        }
    }
}
