using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// A SHA-256 over what a model file says the model is: the network spec, the columns, and every parameter's name and
/// values. Stored in the file's metadata and checked by the typed loaders, so a flipped byte in the weights or an edited
/// spec (which once turned tied weights on and loaded without a word) is reported as a damaged file instead of scoring
/// differently. Files written before the checksum existed have none and load as before; since format 3 the checksum is
/// required (so removing it is damage too) and covers the loss, which decides a variational model's negative ELBO.
/// </summary>
internal static class ModelChecksum
{
    public const string MetadataKey = "autoencoders.checksum";

    /// <param name="specJson">The network specification as stored.</param>
    /// <param name="columnsJson">The column names as stored.</param>
    /// <param name="parameters">Every weight and buffer, in the network's order.</param>
    /// <param name="loss">The stored loss name; null when the file has none, which is also how format 2 computed it.</param>
    public static string Compute(string specJson, string columnsJson, IEnumerable<Parameter> parameters, string? loss = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendText(hash, specJson);
        AppendText(hash, columnsJson);
        foreach (var parameter in parameters)
        {
            AppendText(hash, parameter.Name);
            hash.AppendData(MemoryMarshal.AsBytes(parameter.Values));
        }
        if (loss != null) AppendText(hash, loss);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>Adds a text to a checksum as its UTF-8 length, then its bytes: the lengths keep "ab"+"c" apart from "a"+"bc".</summary>
    public static void AppendText(IncrementalHash hash, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        hash.AppendData(BitConverter.GetBytes(bytes.Length));
        hash.AppendData(bytes);
    }
}
