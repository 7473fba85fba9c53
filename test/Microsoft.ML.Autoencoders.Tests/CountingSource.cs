namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// A source of rows that counts how many anyone has pulled from it, for tests that hold scoring to streaming: how
/// far ahead of its caller a cursor reads.
/// </summary>
internal sealed class CountingSource(IReadOnlyList<SyntheticData.Row> template)
{
    public int Produced { get; private set; }

    /// <summary><paramref name="count"/> rows, the template's over and over.</summary>
    public IEnumerable<SyntheticData.Row> Rows(int count)
    {
        for (int i = 0; i < count; i++)
        {
            Produced++;
            yield return template[i % template.Count];
        }
    }
}
