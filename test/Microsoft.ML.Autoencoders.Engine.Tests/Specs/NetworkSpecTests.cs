using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Specs;

/// <summary>Building, checking, mirroring and serializing network specs.</summary>
public class NetworkSpecTests
{
    [Fact]
    public void ShapeErrorsNameTheLayerAndBothShapes()
    {
        var error = Assert.Throws<ArgumentException>(() => NetworkSpec.Create(new TensorShape(1, 28, 28), [new DenseSpec(32)]));
        Assert.Contains("'encoder.0' (dense", error.Message);
        Assert.Contains("[n]", error.Message);
        Assert.Contains("[1, 28, 28]", error.Message);

        var decoder = Assert.Throws<ArgumentException>(() =>
            NetworkSpec.Create(TensorShape.Flat(12), [new DenseSpec(4)], decoder: [new DenseSpec(10)]));
        Assert.Contains("[10]", decoder.Message);
        Assert.Contains("[12]", decoder.Message);
        Assert.Contains("decoder.0", decoder.Message);

        var rate = Assert.Throws<ArgumentException>(() => NetworkSpec.Create(TensorShape.Flat(12), [new DenseSpec(4), new DropoutSpec(1.5f)]));
        Assert.Contains("'encoder.0.dropout'", rate.Message);
        Assert.Contains("1.5", rate.Message);
    }

    [Fact]
    public void RecordedShapesMustAgree()
    {
        var spec = NetworkSpec.Create(TensorShape.Flat(12), [new DenseSpec(4)]);
        var tampered = spec with { Encoder = [spec.Encoder[0] with { OutputShape = TensorShape.Flat(5) }] };
        var error = Assert.Throws<ArgumentException>(() => tampered.Resolve());
        Assert.Contains("[5]", error.Message);
        Assert.Contains("[4]", error.Message);
    }

    [Fact]
    public void DuplicateAndReservedNamesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => NetworkSpec.Create(TensorShape.Flat(6), [new DenseSpec(4) { Name = "a" }, new DenseSpec(3) { Name = "a" }]));
        Assert.Throws<ArgumentException>(() => NetworkSpec.Create(TensorShape.Flat(6), [new DenseSpec(4) { Name = "code" }]));
    }

    [Fact]
    public void DecoderMirrorsTheEncoderBlockByBlock()
    {
        var spec = NetworkSpec.Create(TensorShape.Flat(12),
            [new DenseSpec(8), new ActivationSpec(Activation.Relu), new DropoutSpec(0.1f), new DenseSpec(3), new ActivationSpec(Activation.Tanh)],
            outputActivation: Activation.Sigmoid);
        Assert.Equal(["dense", "activation", "dropout", "dense", "activation"], spec.Decoder.Select(l => l.Kind));
        Assert.Equal([8, 8, 8, 12, 12], spec.Decoder.Select(l => l.OutputShape!.Size));
        Assert.Equal(Activation.Relu, spec.Decoder[1].AppliedActivation);
        Assert.Equal(Activation.Sigmoid, spec.Decoder[^1].AppliedActivation);
        Assert.Equal(["decoder.0", "decoder.0.activation", "decoder.0.dropout", "decoder.1", "decoder.1.activation"], spec.Decoder.Select(l => l.Name!));

        var tied = NetworkSpec.Create(TensorShape.Flat(12), [new DenseSpec(8), new ActivationSpec(Activation.Relu), new DenseSpec(3)], tieWeights: true);
        Assert.Equal([new TiedDenseSpec("encoder.1", 8), new TiedDenseSpec("encoder.0", 12)],
            tied.Decoder.Where(l => !l.IsElementwise).Select(l => (TiedDenseSpec)(l with { Name = null, InputShape = null, OutputShape = null })));
    }

    [Fact]
    public void TheDenseBuilderGivesTheLayersItAlwaysHad()
    {
        var architecture = new AutoencoderArchitecture
        {
            InputSize = 10, HiddenSizes = [6], CodeSize = 3, HiddenActivation = Activation.LeakyRelu, CodeActivation = Activation.Sigmoid,
            OutputActivation = Activation.Linear, DropoutRate = 0.2f,
        };
        var network = AutoencoderNetwork.Create(architecture, 1);
        // dense, leaky, dropout | dense, sigmoid || dropout, dense, leaky, dropout, dense
        Assert.Equal(
            [typeof(Dense), typeof(LeakyReluLayer), typeof(DropoutLayer), typeof(Dense), typeof(SigmoidLayer),
             typeof(DropoutLayer), typeof(Dense), typeof(LeakyReluLayer), typeof(DropoutLayer), typeof(Dense)],
            network.Layers.Layers.Select(l => l.GetType()));
        Assert.Equal(5, network.CodeSlot); // the code before its dropout
        Assert.Equal(["encoder.0.weight", "encoder.0.bias", "encoder.1.weight", "encoder.1.bias", "decoder.0.weight", "decoder.0.bias", "decoder.1.weight", "decoder.1.bias"],
            network.Parameters.Parameters.Select(p => p.Name));
        Assert.Equal(network.CodeSlot, network.Slot("code"));
        Assert.Equal(1, network.Slot("encoder.0"));
        Assert.Equal(network.Layers.Layers.Count, network.Slot("reconstruction"));
        Assert.Throws<ArgumentException>(() => network.Slot("nowhere"));
    }

    [Fact]
    public void JsonRoundTripKeepsEveryLayer()
    {
        var spec = new AutoencoderArchitecture { InputSize = 9, HiddenSizes = [6, 5], CodeSize = 2, TiedWeights = true, DropoutRate = 0.1f }.ToSpec();
        string json = spec.ToJson();
        Assert.Contains("\"kind\":\"tied_dense\"", json);
        var back = NetworkSpec.FromJson(json);
        Assert.Equal(json, back.ToJson());
        Assert.Equal(spec.Layers, back.Layers);
        Assert.Equal(spec, back);

        Assert.DoesNotContain("isElementwise", json);   // computed properties stay out of files
        Assert.DoesNotContain("appliedActivation", json);
        Assert.Throws<InvalidDataException>(() => NetworkSpec.FromJson("{\"version\":1}"));
        Assert.Throws<InvalidDataException>(() => NetworkSpec.FromJson(json.Replace("\"kind\":\"dense\",", "")));
        Assert.Throws<InvalidDataException>(() => NetworkSpec.FromJson(json.Replace("\"version\":1", "\"version\":99")));
        Assert.Throws<InvalidDataException>(() => NetworkSpec.FromJson(json.Replace("\"units\":6", "\"units\":7")));
    }

    [Fact]
    public void PenaltiesAttachToNamedNodes()
    {
        var spec = NetworkSpec.Create(TensorShape.Flat(8), [new DenseSpec(5), new ActivationSpec(Activation.Sigmoid), new DenseSpec(3)]);
        new Engine.Regularization.KlSparsityRegularizer(0.05f, 1f) { Node = "encoder.0.activation" }.Validate(spec);
        var code = Assert.Throws<ArgumentException>(() => new Engine.Regularization.KlSparsityRegularizer(0.05f, 1f).Validate(spec));
        Assert.Contains("'code'", code.Message);
        Assert.Throws<ArgumentException>(() => new Engine.Regularization.L1ActivityRegularizer(0.1f) { Node = "nowhere" }.Validate(spec));
    }

    private sealed record UnregisteredSpec : LayerSpec
    {
        public override TensorShape InferOutputShape(TensorShape input) => input;
        public override Layer Build(LayerBuildContext context) => new ReshapeLayer(context.InputShape.Size);
    }

    [Fact]
    public void UnregisteredSpecTypesAreNamed()
    {
        var error = Assert.Throws<ArgumentException>(() => NetworkSpec.Create(TensorShape.Flat(4), [new UnregisteredSpec(), new DenseSpec(2)]));
        Assert.Contains(nameof(UnregisteredSpec), error.Message);
        Assert.Contains("LayerKind", error.Message);
        Assert.Contains("unregistered", new UnregisteredSpec().ToString());
    }

    [Fact]
    public void FlattenMirrorsToAReshapeBack()
    {
        var spec = NetworkSpec.Create(new TensorShape(1, 4, 3), [new FlattenSpec(), new DenseSpec(5), new ActivationSpec(Activation.Relu), new DenseSpec(2)]);
        Assert.Equal(new TensorShape(12), spec.Encoder[0].OutputShape);
        Assert.Equal(new ReshapeSpec(new TensorShape(1, 4, 3)), spec.Decoder[^1] with { Name = null, InputShape = null, OutputShape = null });
        Assert.Equal(new TensorShape(1, 4, 3), spec.Decoder[^1].OutputShape);
        var error = Assert.Throws<ArgumentException>(() => NetworkSpec.Create(TensorShape.Flat(12), [new ReshapeSpec(new TensorShape(5, 2))]));
        Assert.Contains("[5, 2]", error.Message);
        Assert.Contains("[12]", error.Message);
    }

    [Fact]
    public void ElementwiseLayersAreNamedAfterTheLayerBefore()
    {
        var spec = NetworkSpec.Create(TensorShape.Flat(6), [new DenseSpec(3) { Name = "bottleneck" }, new ActivationSpec(Activation.Tanh)]);
        Assert.Equal("bottleneck.activation", spec.Encoder[1].Name);
    }
}
