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
        void AddText(string text)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            hash.AppendData(BitConverter.GetBytes(bytes.Length)); // lengths keep "ab"+"c" apart from "a"+"bc"
            hash.AppendData(bytes);
        }

        AddText(specJson);
        AddText(columnsJson);
        foreach (var parameter in parameters)
        {
            AddText(parameter.Name);
            hash.AppendData(MemoryMarshal.AsBytes(parameter.Values));
        }
        if (loss != null) AddText(loss);
        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
