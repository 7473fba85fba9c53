using System.Diagnostics;
using Microsoft.ML.Autoencoders.Tests.AnomalyDetection;
using Microsoft.ML.Data;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Fuzzing;

/// <summary>
/// Issue 17: damaged model files, mutated at random for a bounded time, through every loader the library offers. A
/// loader may refuse a file with the documented <see cref="InvalidDataException"/>, or load it and score the fixed rows
/// bit for bit as the intact file does; anything else (another exception type, different outputs) fails the test and
/// prints the mutation, the seed and where the damaged file was kept, so it can be replayed.
/// </summary>
/// <remarks>
/// The run lasts <see cref="DefaultSeconds"/> seconds in all, shared between the cases; set
/// <c>AUTOENCODERS_FUZZ_SECONDS</c> for a longer campaign and <c>AUTOENCODERS_FUZZ_SEED</c> for other mutations (the
/// default seed is fixed, so the suite is repeatable). Mutation i of a case depends only on the seed, the case and i.
/// </remarks>
public sealed class ModelFileFuzzTests(ModelFileFuzzTests.SavedModels models, ITestOutputHelper output) : IClassFixture<ModelFileFuzzTests.SavedModels>
{
    public const int DefaultSeconds = 24;
    public const int DefaultSeed = 17;

    /// <summary>One load that takes longer than this is reported as a hang.</summary>
    private static readonly TimeSpan SlowestLoad = TimeSpan.FromSeconds(10);

    public static TheoryData<string> Cases => new(FuzzCases.Names);

    [Theory]
    [MemberData(nameof(Cases))]
    public void DamagedFileIsRefusedOrScoresAsTheIntactOne(string name)
    {
        var fuzzCase = models.Case(name);
        double seconds = (Environment.GetEnvironmentVariable("AUTOENCODERS_FUZZ_SECONDS") is { } s ? double.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : DefaultSeconds)
            / FuzzCases.Names.Count;
        int seed = Environment.GetEnvironmentVariable("AUTOENCODERS_FUZZ_SEED") is { } t ? int.Parse(t, System.Globalization.CultureInfo.InvariantCulture) : DefaultSeed;

        using var file = new TemporaryFile(fuzzCase.Extension);
        File.WriteAllBytes(file.Path, fuzzCase.Bytes);
        var intact = fuzzCase.LoadAndScore(file.Path);

        var outcomes = new Dictionary<string, int>();
        var failures = new Dictionary<string, string>(); // the first example of each kind of escape
        var clock = Stopwatch.StartNew();
        int iteration = 0;
        for (; clock.Elapsed.TotalSeconds < seconds; iteration++)
        {
            // Not HashCode.Combine: it is seeded per process, and a failure must replay in another one.
            var random = new Random(StableHash($"{seed}/{name}/{iteration}"));
            var mutation = ModelFileMutator.Mutate(fuzzCase.Bytes, random);
            File.WriteAllBytes(file.Path, mutation.Bytes);
            string outcome;
            bool escaped;
            bool hung = false;
            try
            {
                // On a worker, so a load that never ends fails the test with its mutation instead of hanging the suite.
                if (Finishes(() => fuzzCase.LoadAndScore(file.Path), out var scored))
                {
                    bool same = scored.SequenceEqual(intact);
                    escaped = !same && fuzzCase.LibraryChecks;
                    outcome = same ? "loaded, same outputs" : "loaded, different outputs";
                }
                else
                {
                    // ML.NET's own Model.Load can spin forever on a damaged entry (one flipped byte in 'Schema' did): the
                    // library's loaders that start with it inherit that, and cannot stop a thread.
                    hung = true;
                    bool mlNetHangs = !Finishes(() => new MLContext().Model.Load(file.Path, out _), out _);
                    escaped = !mlNetHangs;
                    outcome = mlNetHangs ? $"ran past {SlowestLoad.TotalSeconds} s, as plain Model.Load does on the file (ML.NET's hang)" : $"ran past {SlowestLoad.TotalSeconds} s";
                    output.WriteLine($"{outcome}: mutation {iteration}: {mutation.Description}; damaged file: {Keep(mutation.Bytes, name, seed, iteration, fuzzCase.Extension)}");
                }
            }
            catch (InvalidDataException)
            {
                escaped = false;
                outcome = "refused (InvalidDataException)";
            }
            catch (Exception e)
            {
                // Behind plain Model.Load only the library's custom mappings run; what ML.NET throws is ML.NET's.
                escaped = fuzzCase.LibraryChecks || ThrownByTheLibrary(e);
                outcome = $"{e.GetType().FullName}: {e.Message.Split('\n')[0]}";
            }

            string category = Category(outcome);
            outcomes[category] = outcomes.GetValueOrDefault(category) + 1;
            if (escaped && !failures.ContainsKey(category))
                failures[category] = $"{outcome}\n    case {name}, seed {seed}, mutation {iteration}: {mutation.Description}\n    damaged file: {Keep(mutation.Bytes, name, seed, iteration, fuzzCase.Extension)}";
            // The hung thread cannot be stopped and keeps a core: the rest of this case would measure nothing.
            if (hung) break;
        }

        output.WriteLine($"{name}: {iteration} mutations in {clock.Elapsed.TotalSeconds:F1} s ({iteration / clock.Elapsed.TotalSeconds:F0}/s), seed {seed}");
        foreach (var (outcome, count) in outcomes.OrderByDescending(p => p.Value)) output.WriteLine($"  {count,6}  {outcome}");
        Assert.True(failures.Count == 0, $"{name}: {outcomes.Where(p => failures.ContainsKey(p.Key)).Sum(p => p.Value)} damaged files escaped the documented refusal; the first of each kind:\n" + string.Join("\n", failures.Values));
        Assert.True(iteration >= 5 || outcomes.Keys.Any(k => k.StartsWith("ran past", StringComparison.Ordinal)), $"{name}: only {iteration} mutations ran in {seconds:F1} s");
    }

    /// <summary>Runs <paramref name="work"/> on a worker; false when it is still running after <see cref="SlowestLoad"/> (it is then abandoned).</summary>
    private static bool Finishes<T>(Func<T> work, out T result)
    {
        var task = Task.Run(work);
        bool done = ((IAsyncResult)task).AsyncWaitHandle.WaitOne(SlowestLoad);
        result = done ? task.GetAwaiter().GetResult() : default!;
        return done;
    }

    /// <summary>
    /// True when the exception, or one it wraps, passed through the library's own code: any frame of its stack, not only
    /// the throwing method, which for a KeyNotFoundException and the like is the runtime's throw helper.
    /// </summary>
    private static bool ThrownByTheLibrary(Exception? e)
    {
        var library = typeof(AutoencoderTransformer).Assembly;
        for (; e != null; e = e.InnerException)
        {
            if (new System.Diagnostics.StackTrace(e).GetFrames().Any(frame => frame.GetMethod()?.DeclaringType?.Assembly == library))
                return true;
        }
        return false;
    }

    /// <summary>An outcome without the details that differ from one mutation to the next, for the summary.</summary>
    private static string Category(string outcome) => outcome.Split(':')[0];

    /// <summary>The damaged file, kept under the temp folder so a failure can be replayed by hand.</summary>
    private static string Keep(byte[] bytes, string name, int seed, int iteration, string extension)
    {
        string path = Path.Combine(Path.GetTempPath(), $"autoencoders-fuzz-{name.Replace('/', '-').Replace(' ', '-')}-{seed}-{iteration}{extension}");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>string.GetHashCode differs between processes; the cases' mutations must not.</summary>
    private static int StableHash(string text) => text.Aggregate(17, (h, c) => unchecked(h * 31 + c));

    /// <summary>The saved files, trained once for all cases.</summary>
    public sealed class SavedModels
    {
        private readonly Dictionary<string, FuzzCase> _cases;

        public SavedModels() => _cases = FuzzCases.Build().ToDictionary(c => c.Name);

        public FuzzCase Case(string name) => _cases[name];
    }
}

/// <summary>A model file and one way of loading it and scoring fixed rows, flattened to the bits of its floats for an exact comparison.</summary>
/// <remarks>
/// <see cref="LibraryChecks"/> is false for plain <c>mlContext.Model.Load</c>: ML.NET reads the zip and ONNX Runtime the
/// graphs, and nothing of the library runs before scoring but its custom mappings, so a damaged weight scores
/// differently and ML.NET throws its own exceptions. For that path the test asks only that the library's own code throw
/// nothing but the documented exception (and that nothing hang or crash); the outcome counts show the rest.
/// </remarks>
public sealed record FuzzCase(string Name, byte[] Bytes, string Extension, Func<string, int[]> LoadAndScore, bool LibraryChecks = true);

internal static class FuzzCases
{
    public static readonly IReadOnlyList<string> Names =
    [
        "dense zip / AutoencoderTransformer.LoadFromModelFile",
        "dense zip / LoadWithBatchedScoring",
        "dense zip / Model.Load",
        "dense onnx / AutoencoderTransformer.LoadOnnx",
        "detector zip / AutoencoderAnomalyTransformer.LoadFromModelFile",
        "detector zip / LoadWithBatchedScoring",
        "detector zip / Model.Load",
        "vae zip / AutoencoderTransformer.LoadFromModelFile",
        "vae zip / LoadWithBatchedScoring",
    ];

    private static readonly string[] DenseOutputs = ["Encoded", "Reconstruction", "Error"];
    private static readonly string[] DetectorOutputs = ["Score", "PredictedLabel"];
    private static readonly string[] VaeOutputs = ["Encoded", "Reconstruction", "Error", "NegativeElbo"];

    public static IEnumerable<FuzzCase> Build()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 120);
        var rows = ml.Data.LoadFromEnumerable(SyntheticData.Rows(12, seed: 5));

        var dense = TestAutoencoders.Fit(ml, data);
        byte[] denseZip = Saved(ml, dense, data.Schema);
        yield return new(Names[0], denseZip, ".zip", path => Outputs(AutoencoderTransformer.LoadFromModelFile(path).Transform(rows), DenseOutputs));
        yield return new(Names[1], denseZip, ".zip", path => Outputs(new MLContext().Model.LoadWithBatchedScoring(path, out _).Transform(rows), DenseOutputs));
        yield return new(Names[2], denseZip, ".zip", path => Outputs(new MLContext().Model.Load(path, out _).Transform(rows), DenseOutputs), LibraryChecks: false);
        using (var onnx = new MemoryStream())
        {
            dense.SaveAsOnnx(onnx);
            yield return new(Names[3], onnx.ToArray(), ".onnx", path =>
            {
                using var stream = File.OpenRead(path);
                return Outputs(AutoencoderTransformer.LoadOnnx(stream).Transform(rows), DenseOutputs);
            });
        }

        var anomalyTrain = AnomalyData.Train(ml, rows: 200);
        var anomalyRows = ml.Data.LoadFromEnumerable(AnomalyData.Rows(10, 6, seed: 4));
        var detector = ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            Contamination = 0.1,
            NormalizeScores = true,
            Autoencoder = Tiny(AnomalyData.Network()),
        }).Fit(anomalyTrain);
        byte[] detectorZip = Saved(ml, detector, anomalyTrain.Schema);
        yield return new(Names[4], detectorZip, ".zip", path => Outputs(AutoencoderAnomalyTransformer.LoadFromModelFile(path).Transform(anomalyRows), DetectorOutputs));
        yield return new(Names[5], detectorZip, ".zip", path => Outputs(new MLContext().Model.LoadWithBatchedScoring(path, out _).Transform(anomalyRows), DetectorOutputs));
        yield return new(Names[6], detectorZip, ".zip", path => Outputs(new MLContext().Model.Load(path, out _).Transform(anomalyRows), DetectorOutputs), LibraryChecks: false);

        var vaeOptions = TestAutoencoders.Options(epochs: 3);
        vaeOptions.NegativeElboColumnName = "NegativeElbo";
        var vae = ml.Transforms.VariationalAutoencoder(vaeOptions).Fit(data);
        byte[] vaeZip = Saved(ml, vae, data.Schema);
        yield return new(Names[7], vaeZip, ".zip", path => Outputs(AutoencoderTransformer.LoadFromModelFile(path).Transform(rows), VaeOutputs));
        yield return new(Names[8], vaeZip, ".zip", path => Outputs(new MLContext().Model.LoadWithBatchedScoring(path, out _).Transform(rows), VaeOutputs));
    }

    /// <summary>Fewer epochs than the detector tests need: the fuzzer needs a valid file, not a good detector.</summary>
    private static AutoencoderOptions Tiny(AutoencoderOptions options)
    {
        options.Epochs = 5;
        return options;
    }

    /// <summary>The bytes of <paramref name="model"/> saved with mlContext.Model.Save.</summary>
    internal static byte[] Saved(MLContext ml, ITransformer model, DataViewSchema schema)
    {
        using var file = new TemporaryFile();
        ml.Model.Save(model, schema, file.Path);
        return File.ReadAllBytes(file.Path);
    }

    /// <summary>
    /// Every named output of every row, as floats (a label as 0 or 1), compared bit for bit; a missing column or one of
    /// another type counts as different outputs, since the caller would no longer read what it read before.
    /// </summary>
    private static int[] Outputs(IDataView scored, string[] columns)
    {
        var values = new List<float>();
        foreach (string name in columns)
        {
            if (scored.Schema.GetColumnOrNull(name) is not { } column) return [-1];
            switch (column.Type)
            {
                case VectorDataViewType { ItemType: NumberDataViewType n } when n.RawType == typeof(float):
                    foreach (var row in scored.GetColumn<VBuffer<float>>(column)) values.AddRange(row.DenseValues());
                    break;
                case NumberDataViewType n when n.RawType == typeof(float):
                    values.AddRange(scored.GetColumn<float>(column));
                    break;
                case BooleanDataViewType:
                    values.AddRange(scored.GetColumn<bool>(column).Select(b => b ? 1f : 0f));
                    break;
                default:
                    return [-2];
            }
        }
        // Compared as bits, so a NaN equals only the same NaN and -0 differs from 0. A missing column, or one of another
        // type, returned a one-value marker above, which no intact output equals.
        return values.Select(BitConverter.SingleToInt32Bits).ToArray();
    }
}
