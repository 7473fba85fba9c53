namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>A unique path under the temp folder, deleted on dispose (the file need not exist yet).</summary>
internal sealed class TemporaryFile : IDisposable
{
    public TemporaryFile(string extension = ".zip") =>
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"autoencoders-tests-{Guid.NewGuid():N}{extension}");

    public string Path { get; }

    public void Dispose()
    {
        if (File.Exists(Path)) File.Delete(Path);
    }
}
