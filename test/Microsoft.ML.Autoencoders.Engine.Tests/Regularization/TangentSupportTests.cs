using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Regularization;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Regularization;

/// <summary>
/// What <see cref="LayerSpec.LacksTangents"/> says of every built-in kind agrees with its layer: a kind that says it can
/// carry the contractive penalty's tangent builds a layer with its own <see cref="Layer.PushTangent"/>, and one that says it
/// cannot builds a layer without. So the contractive penalty refuses, when the estimator or trainer is made, exactly the
/// kinds that would otherwise fail at the first step.
/// </summary>
public class TangentSupportTests
{
    /// <summary>
    /// One spec of each built-in kind, on an input it accepts. Not checked to be complete: a new kind adds files and edits
    /// none, and one that leaves LacksTangents false without a tangent pass is refused at the first step, as before.
    /// </summary>
    private static IEnumerable<(LayerSpec Spec, TensorShape Input)> OneOfEachKind()
    {
        TensorShape row = new(4), image = new(1, 4, 4), sequence = new(2, 8), window = new(5, 2);
        yield return (new ActivationSpec(Activation.Tanh), row);
        yield return (new AvgPool2dSpec(), image);
        yield return (new BatchNorm2dSpec(), image);
        yield return (new ClippedLinearSpec(), row);
        yield return (new Conv1dSpec(2, 3), sequence);
        yield return (new Conv2dSpec(2, 3), image);
        yield return (new ConvTranspose1dSpec(2, 3), sequence);
        yield return (new ConvTranspose2dSpec(2, 3), image);
        yield return (new DenseSpec(3), row);
        yield return (new DropoutSpec(0.2f), row);
        yield return (new FlattenSpec(), image);
        yield return (new GaussianSamplingSpec(), row);
        yield return (new GruSpec(3), window);
        yield return (new LayerNormSpec(), row);
        yield return (new LstmSpec(3), window);
        yield return (new MaxPool1dSpec(2), sequence);
        yield return (new MaxPool2dSpec(), image);
        yield return (new PReluSpec(), image);
        yield return (new RepeatVectorSpec(5), row);
        yield return (new ReshapeSpec(new TensorShape(2, 2)), row);
        yield return (new TiedDenseSpec("encoder.0", 4), new TensorShape(3));
        yield return (new TimeDistributedDenseSpec(3), window);
        yield return (new TransposeSpec(), window);
        yield return (new UnconditionedGruDecoderSpec(5, 3), row);
        yield return (new UnconditionedLstmDecoderSpec(5, 3), row);
        yield return (new Upsample1dSpec(2), sequence);
        yield return (new Upsample2dSpec(), image);
    }

    [Fact]
    public void EveryBuiltInKindsClaimAgreesWithItsLayer()
    {
        // A tied layer needs the dense layer it ties to (4 → 3, so the tied one maps 3 → 4).
        var earlier = new Dictionary<string, Layer>
        {
            ["encoder.0"] = new DenseSpec(3).Build(TestContexts.Build("encoder.0", new TensorShape(4), new TensorShape(3))),
        };
        foreach (var (spec, input) in OneOfEachKind())
        {
            var layer = spec.Build(new LayerBuildContext("layer", input, spec.InferOutputShape(input), next: null, earlier));
            bool pushesTangents = layer.GetType().GetMethod(nameof(Layer.PushTangent))!.DeclaringType != typeof(Layer);
            Assert.True(spec.LacksTangents != pushesTangents,
                $"{spec.GetType().Name} says LacksTangents = {spec.LacksTangents}, but its layer {layer.GetType().Name} {(pushesTangents ? "has" : "has no")} PushTangent of its own");
        }
    }

    [Fact]
    public void ContractiveRefusesAConvolutionBelowItsNodeBeforeTraining()
    {
        var spec = NetworkSpec.Create(new TensorShape(1, 8, 8), [new Conv2dSpec(2, 3), new FlattenSpec(), new DenseSpec(4)]);

        var error = Assert.Throws<ArgumentException>(() => new ContractiveRegularizer(0.1f).Validate(spec));

        Assert.Contains("conv2d", error.Message);
        Assert.Contains("no forward mode for the penalty's Jacobian", error.Message);
    }
}
