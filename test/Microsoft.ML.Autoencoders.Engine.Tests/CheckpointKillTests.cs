using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.ML.Autoencoders.CheckpointChild;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// A run killed without warning (no cancellation, no finally blocks: the process is gone) resumes from its last
/// checkpoint and ends bit-identical to a run never interrupted. test/Microsoft.ML.Autoencoders.CheckpointChild trains
/// <see cref="CheckpointedRun"/> in its own process with a checkpoint after every epoch; this test kills it as soon as
/// the first checkpoint exists, then resumes here.
/// </summary>
public sealed class CheckpointKillTests : IDisposable
{
    private const string ProjectName = "Microsoft.ML.Autoencoders.CheckpointChild";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);
    private readonly string _directory = Directory.CreateTempSubdirectory("checkpoint-kill").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void KilledAfterItsFirstCheckpoint_ResumesToTheSameBitsAsAnUninterruptedRun()
    {
        string path = Path.Combine(_directory, "run.ckpt");
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath ? hostPath : "dotnet";
        // A pause after each epoch keeps the child busy long enough to be killed part way (it does not change training).
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { ChildDllPath, path, "200" }) start.ArgumentList.Add(argument);
        TimeSpan killedAfter;
        using (var child = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{host}'."))
        {
            var clock = Stopwatch.StartNew();
            while (!File.Exists(path) && !child.HasExited && clock.Elapsed < Timeout) Thread.Sleep(10);
            // (Its error output is read only once it has ended: reading it before would wait for the end.)
            if (child.HasExited) Assert.Fail($"The child ended before it was killed (exit code {child.ExitCode}):\n{child.StandardError.ReadToEnd()}");
            Assert.True(File.Exists(path), "The child wrote no checkpoint within the time allowed.");
            killedAfter = clock.Elapsed;
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }

        string configuration = TrainingCheckpoint.Describe(CheckpointedRun.CreateNetwork(), CheckpointedRun.Options(path), CheckpointedRun.Data(), null, CheckpointedRun.Rows);
        var written = TrainingCheckpoint.Read(path, configuration);
        Assert.True(written.EpochsDone < CheckpointedRun.Epochs, $"The child was killed after its last epoch, not part way ({killedAfter.TotalSeconds:F1} s after it started)."); // killed part way

        var resumedEpochs = new List<int>();
        var resumed = CheckpointedRun.CreateNetwork();
        new AutoencoderTrainer(resumed, CheckpointedRun.Options(path)).Fit(CheckpointedRun.Data(), null, CheckpointedRun.Rows, m => resumedEpochs.Add(m.Epoch));
        Assert.Equal(written.EpochsDone + 1, resumedEpochs[0]);

        var straight = CheckpointedRun.CreateNetwork();
        new AutoencoderTrainer(straight, CheckpointedRun.Options(checkpointPath: null)).Fit(CheckpointedRun.Data(), null, CheckpointedRun.Rows);
        Assert.Equal(MemoryMarshal.AsBytes(straight.Parameters.Values.AsSpan()).ToArray(), MemoryMarshal.AsBytes(resumed.Parameters.Values.AsSpan()).ToArray());
    }

    /// <summary>
    /// The child's dll in its own output folder (beside its runtimeconfig): the repository builds with ArtifactsPath, so
    /// every project's output is &lt;artifacts&gt;/bin/&lt;project&gt;/&lt;pivot&gt;/, and this test project's reference builds the
    /// child under the same pivot.
    /// </summary>
    private static string ChildDllPath
    {
        get
        {
            var testDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string binDirectory = testDirectory.Parent?.Parent?.FullName
                ?? throw new InvalidOperationException($"The test assembly's folder '{testDirectory.FullName}' is not in an artifacts layout.");
            string dll = Path.Combine(binDirectory, ProjectName, testDirectory.Name, ProjectName + ".dll");
            if (!File.Exists(dll)) throw new FileNotFoundException($"The checkpoint child was not built at '{dll}'.", dll);
            return dll;
        }
    }
}
