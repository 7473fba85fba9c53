using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Specs;

/// <summary>
/// The model file's JSON for convolution paddings: causal padding and per-side pads are written and read back, and a
/// spec written before they existed (no "explicitPads" field) still reads as it did and writes the same JSON again; a
/// field the reader does not know is refused by name.
/// </summary>
public class ConvolutionPaddingJsonTests
{
    [Fact]
    public void CausalAndPerSidePads_RoundTrip()
    {
        var spec = NetworkSpec.Create(new TensorShape(2, 16),
        [
            new Conv1dSpec(4, 3, Padding: Conv2dPadding.Causal),
            new Conv1dSpec(4, 3, 2, Conv2dPadding.Causal, Dilation: 2),
            new Conv1dSpec(3, 3, Padding: Conv2dPadding.Explicit, ExplicitPads: new Conv1dPads(2, 0)),
        ]);
        string json = spec.ToJson();
        Assert.Contains("\"padding\":\"Causal\"", json);
        Assert.Contains("\"explicitPads\":{\"left\":2,\"right\":0}", json);
        Assert.Contains("\"kind\":\"conv_transpose1d\"", json); // the strided causal layer's mirror, with its (0, r) pads
        var back = NetworkSpec.FromJson(json);
        Assert.Equal(spec, back);
        Assert.Equal(json, back.ToJson());

        var image = NetworkSpec.Create(new TensorShape(1, 6, 7),
            [new Conv2dSpec(2, 3, Padding: Conv2dPadding.Explicit, ExplicitPads: new Conv2dPads(2, 0, 0, 1))]);
        string imageJson = image.ToJson();
        Assert.Contains("\"explicitPads\":{\"top\":2,\"left\":0,\"bottom\":0,\"right\":1}", imageJson);
        Assert.Equal(image, NetworkSpec.FromJson(imageJson));
    }

    [Fact]
    public void SpecWrittenBeforePerSidePads_LoadsUnchanged()
    {
        // The JSON of an explicitly padded conv network as the library wrote it before "explicitPads" (commit a06ec15).
        const string old = """
            {"version":1,"inputShape":[2,9],"encoder":[{"kind":"conv1d","filters":3,"kernelSize":3,"stride":2,"padding":"Explicit","explicitPadding":1,"name":"encoder.0"},{"kind":"activation","function":"Relu","name":"encoder.1"}],"decoder":[{"kind":"conv_transpose1d","filters":2,"kernelSize":3,"stride":2,"padding":"Explicit","explicitPadding":1,"name":"decoder.0"}]}
            """;
        var spec = NetworkSpec.FromJson(old);
        var conv = Assert.IsType<Conv1dSpec>(spec.Encoder[0]);
        Assert.Null(conv.ExplicitPads);
        Assert.Equal((2, 9, 1, 1, 5), conv.Axis(new TensorShape(2, 9)));
        Assert.Null(Assert.IsType<ConvTranspose1dSpec>(spec.Decoder[0]).ExplicitPads);
        Assert.Equal(new TensorShape(2, 9), spec.Decoder[^1].OutputShape);
        Assert.DoesNotContain("explicitPads", spec.ToJson());
    }

    [Fact]
    public void AnUnknownLayerField_IsRefusedNamingIt()
    {
        // The reader refuses a field it does not know, by name, rather than skip it. This runs today's reader only; a
        // release before per-side pads meets "explicitPads" as such a field, and its reader was as strict (the layer
        // specs' JSON options have disallowed unmapped members since they were written).
        const string later = """
            {"version":1,"inputShape":[2,9],"encoder":[{"kind":"conv1d","filters":3,"kernelSize":3,"padding":"Explicit","paddingOfTheFuture":{"left":2}}]}
            """;
        var e = Assert.Throws<InvalidDataException>(() => NetworkSpec.FromJson(later));
        Assert.Contains("not valid", e.Message);
        Assert.Contains("paddingOfTheFuture", e.Message);
    }
}
