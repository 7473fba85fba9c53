using Microsoft.ML.Autoencoders.Engine.Layers;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>Checks every element-wise layer must pass, shared by the tests of each kind.</summary>
internal static class ElementwiseLayerChecks
{
    /// <summary>
    /// Each value of <paramref name="inputs"/> gets the same bits alone as in the whole span: a chain's chunk of a batch and
    /// the whole batch must agree.
    /// </summary>
    public static void AssertEachValueHasTheSameBitsInAnySpan(ElementwiseLayer layer, float[] inputs)
    {
        var whole = new float[inputs.Length];
        layer.Apply(inputs, whole);
        var one = new float[1];
        for (int i = 0; i < inputs.Length; i++)
        {
            layer.Apply(inputs.AsSpan(i, 1), one);
            Assert.Equal(BitConverter.SingleToInt32Bits(whole[i]), BitConverter.SingleToInt32Bits(one[0]));
        }
    }
}
