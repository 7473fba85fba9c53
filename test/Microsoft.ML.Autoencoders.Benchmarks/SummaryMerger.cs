using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// Joins the reports of every framework into artifacts/bench/summary.json and docs/benchmarks.md:
///   merge --report FILE... [--unavailable NAME=REASON...] [--note TEXT...] [--peer-blas NAME=TEXT...]
///         [--openblas-override NATIVE_CORE=CORETYPE --native-report FILE] --command TEXT --out FILE [--markdown FILE]
/// A report per process (kernels, training), framework and round; a framework's reports of one round are
/// concatenated. With several rounds (build/bench.sh --rounds) each framework's figure for a case is picked from
/// its rounds by <see cref="RoundSelection"/>, and the result also lists every round's value in round order:
///   "rounds": {"ours": [r1, r2], "torchsharp": [..] or null when not measured, "pytorch": [..]}
/// (null in a list for a round that lacks the case). A single round writes no per-result "rounds", as before rounds.
/// The BLAS kernels each peer ran go to "peer_blas_torchsharp" / "peer_blas_pytorch"; when OpenBLAS fell back to a generic
/// core and bench.sh gave PyTorch another core type, "openblas_coretype_override" holds both cores and the test MSE of a
/// native training run beside the measured one (<see cref="OpenBlasOverride"/>).
/// </summary>
public static class SummaryMerger
{
    /// <summary>Column order of the table and of the JSON fields.</summary>
    public static readonly string[] Frameworks = ["ours", "torchsharp", "pytorch"];

    public const string RatioDefinition =
        "how many times better ours is than the best peer: ours/best for higher-is-better units, best/ours for " +
        "lower-is-better ones; above 1 means ours wins; null when no peer measured the case";

    /// <summary>Cores' worth of other work above which a run is flagged as disturbed.</summary>
    public const double BusyMachineCores = 0.25;

    public static int Run(string[] args)
    {
        var reports = new List<BenchReport>();
        var unavailable = new Dictionary<string, string>();
        var notes = new List<string>();
        var peerBlas = new Dictionary<string, string>();
        string? output = null, markdown = null, command = null, overrideCores = null;
        BenchReport? nativeReport = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--report": reports.Add(BenchReport.Read(Next())); break;
                case "--unavailable":
                    string[] kv = Next().Split('=', 2);
                    unavailable[kv[0]] = kv.Length > 1 ? kv[1] : "not run";
                    break;
                case "--note": notes.Add(Next()); break;
                case "--peer-blas":
                    string[] blas = Next().Split('=', 2);
                    peerBlas[blas[0]] = blas.Length > 1 ? blas[1] : "";
                    break;
                case "--openblas-override": overrideCores = Next(); break;
                case "--native-report": nativeReport = BenchReport.Read(Next()); break;
                case "--out": output = Next(); break;
                case "--markdown": markdown = Next(); break;
                case "--command": command = Next(); break;
                default: throw new ArgumentException($"Unknown merge argument '{args[i]}'.");
            }
        }
        if (output is null || command is null) throw new ArgumentException("merge needs --out FILE and --command TEXT.");

        var summary = Merge(reports, unavailable, notes, command, MachineInfo.Describe());
        AddKernelsRun(summary, reports, peerBlas, overrideCores, nativeReport);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllText(output, summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"wrote {output}");
        if (markdown is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(markdown))!);
            File.WriteAllText(markdown, BenchmarkMarkdown.Render(summary));
            Console.WriteLine($"wrote {markdown}");
        }
        Console.WriteLine(BenchmarkMarkdown.RenderTable(summary));
        return 0;
    }

    /// <summary>Marks a case ours runs a second time with the sparse input path switched off (every layer dense, as the peers).</summary>
    public const string DenseInputSuffix = "_dense_input";

    public static JsonObject Merge(IReadOnlyList<BenchReport> reports, IReadOnlyDictionary<string, string> unavailable,
        IReadOnlyList<string> notes, string command, string machine)
    {
        var byFramework = reports.GroupBy(r => r.Framework).ToDictionary(g => g.Key, g => g.OrderBy(r => r.Round).ToList());
        foreach (string name in byFramework.Keys)
            if (!Frameworks.Contains(name)) throw new InvalidDataException($"Unknown framework '{name}' in a report.");
        int[] threads = reports.Select(r => r.Threads).Distinct().ToArray();
        string[] modes = reports.Select(r => r.Mode).Distinct().ToArray();
        int[] rounds = reports.Select(r => r.Round).Distinct().Order().ToArray();

        // Every figure by framework, round and case; one report per part, so a case appears once per round.
        var measured = new Dictionary<(string Framework, int Round, string Name), BenchResult>();
        foreach (var report in reports)
            foreach (var result in report.Results)
                if (!measured.TryAdd((report.Framework, report.Round, result.Name), result))
                    throw new InvalidDataException($"{report.Framework} reports {result.Name} twice in round {report.Round}.");

        // Rows in the order ours reported them, then any case only a peer has.
        var rows = new List<(string Name, string Unit, string Better, string? Note)>();
        foreach (var result in reports.OrderBy(r => Array.IndexOf(Frameworks, r.Framework)).ThenBy(r => r.Round).SelectMany(r => r.Results))
            if (!rows.Any(r => r.Name == result.Name)) rows.Add((result.Name, result.Unit, result.Better, result.Note));

        var results = new JsonArray();
        foreach (var row in rows)
        {
            var item = new JsonObject { ["name"] = row.Name, ["unit"] = row.Unit, ["better"] = row.Better };
            var picked = new Dictionary<string, double?>();
            var perRound = new JsonObject();
            foreach (string fw in Frameworks)
            {
                // The peers never read a sparse input, so their figure for a "_dense_input" case is their base case's.
                string name = fw != "ours" && row.Name.EndsWith(DenseInputSuffix, StringComparison.Ordinal)
                    ? row.Name[..^DenseInputSuffix.Length] : row.Name;
                BenchResult?[] found = rounds.Select(r => measured.GetValueOrDefault((fw, r, name))).ToArray();
                foreach (var f in found)
                    if (f is not null && f.Unit != row.Unit)
                        throw new InvalidDataException($"{fw} reports {row.Name} in {f.Unit}, ours in {row.Unit}.");
                double[] values = found.OfType<BenchResult>().Select(f => f.Value).ToArray();
                picked[fw] = values.Length == 0 ? null : RoundSelection.Pick(row.Unit, row.Better, values);
                item[fw] = picked[fw] is double v ? JsonValue.Create(v) : null;
                perRound[fw] = values.Length == 0 ? null
                    : new JsonArray(found.Select(f => f is null ? null : (JsonNode)JsonValue.Create(f.Value)).ToArray());
            }
            item["ratio_vs_best_peer"] = Ratio(picked["ours"], [picked["torchsharp"], picked["pytorch"]], row.Better) is double ratio
                ? JsonValue.Create(Math.Round(ratio, 4)) : null;
            if (rounds.Length > 1) item["rounds"] = perRound;
            if (row.Note is not null) item["note"] = row.Note;
            results.Add(item);
        }

        var frameworks = new JsonObject();
        foreach (string fw in Frameworks)
        {
            if (byFramework.TryGetValue(fw, out var list))
            {
                var settings = new JsonObject();
                // Why a case failed is a note (below), not a setting.
                foreach (string key in list.SelectMany(r => r.Settings.Keys).Where(k => !k.StartsWith(BenchReport.FailedCasePrefix, StringComparison.Ordinal)).Distinct())
                {
                    // A setting that changed between reports lists each report's value in round order: other_load_*,
                    // written by one part, thus reads as one value per round ("0.01 / 0.40").
                    string[] values = list.Where(r => r.Settings.ContainsKey(key)).Select(r => r.Settings[key]).ToArray();
                    settings[key] = values.Distinct().Count() == 1 ? values[0] : string.Join(" / ", values);
                }
                frameworks[fw] = new JsonObject { ["version"] = list[0].Version, ["settings"] = settings };
            }
            else
            {
                frameworks[fw] = new JsonObject { ["unavailable"] = unavailable.GetValueOrDefault(fw, "not run") };
            }
        }

        var warnings = new JsonArray();
        foreach (string key in ReportSettings.MustAgree)
        {
            var distinct = reports.Where(r => r.Settings.ContainsKey(key)).Select(r => $"{r.Framework}={r.Settings[key]}").Distinct().ToArray();
            if (distinct.Select(d => d.Split('=')[1]).Distinct().Count() > 1) warnings.Add($"{key} differs: {string.Join(", ", distinct)}");
        }
        if (threads.Length > 1) warnings.Add($"threads differ across reports: {string.Join(", ", threads)}");
        // bench.sh drops a peer that failed in any round; a framework short of rounds was merged by hand.
        foreach (var (fw, list) in byFramework)
        {
            int[] own = list.Select(r => r.Round).Distinct().ToArray();
            if (own.Length != rounds.Length)
                warnings.Add($"{fw} has reports for round(s) {string.Join(", ", own)} only, of {string.Join(", ", rounds)}");
        }
        // Other work on the same cores can halve a figure (PEERS-NOTES): say so next to the figures it touched.
        foreach (var report in reports.OrderBy(r => r.Round).ThenBy(r => Array.IndexOf(Frameworks, r.Framework)))
        {
            foreach (var (key, value) in report.Settings.Where(kv => kv.Key.StartsWith("other_load_", StringComparison.Ordinal)))
            {
                if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double cores) && cores > BusyMachineCores)
                    warnings.Add($"other processes kept {value} cores busy while {report.Framework} ran its " +
                        $"{key["other_load_".Length..]} part in round {report.Round}");
            }
        }

        return new JsonObject
        {
            ["machine"] = machine,
            ["threads"] = threads.Length == 1 ? threads[0] : null,
            ["rounds"] = rounds.Length,
            ["mode"] = string.Join(",", modes),
            ["command"] = command,
            ["generated_utc"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            ["ratio_definition"] = RatioDefinition,
            ["round_selection"] = RoundSelection.Definition,
            ["frameworks"] = frameworks,
            ["notes"] = new JsonArray(notes.Concat(FailedCaseNotes(byFramework)).Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
            ["warnings"] = warnings,
            ["results"] = results,
        };
    }

    /// <summary>
    /// One note per case a framework reported as failed (<see cref="BenchReport.RunCase"/>), with the rounds it failed in
    /// and each distinct reason: its figures come from the rounds where it ran, or show as '–' when it ran in none.
    /// </summary>
    private static IEnumerable<string> FailedCaseNotes(Dictionary<string, List<BenchReport>> byFramework)
    {
        foreach (string fw in Frameworks.Where(byFramework.ContainsKey))
        {
            var failures = byFramework[fw]
                .SelectMany(r => r.Settings.Where(kv => kv.Key.StartsWith(BenchReport.FailedCasePrefix, StringComparison.Ordinal))
                    .Select(kv => (Case: kv.Key[BenchReport.FailedCasePrefix.Length..], r.Round, Reason: kv.Value)));
            foreach (var byCase in failures.GroupBy(f => f.Case))
            {
                int[] failedRounds = byCase.Select(f => f.Round).Distinct().Order().ToArray();
                int[] otherRounds = byFramework[fw].Select(r => r.Round).Distinct().Except(failedRounds).Order().ToArray();
                string figures = otherRounds.Length == 0 ? "its figures show as '–'"
                    : $"its figures are round {string.Join(", ", otherRounds)}'s";
                yield return $"{BenchmarkMarkdown.FrameworkTitle(fw)}'s {byCase.Key} case failed in round {string.Join(", ", failedRounds)}, " +
                    $"{figures}: {string.Join("; ", byCase.Select(f => f.Reason).Distinct())}";
            }
        }
    }

    /// <summary>
    /// Adds which kernels ran: our GEMM blocking (from our reports), the BLAS each peer ran (<paramref name="peerBlas"/>, by
    /// framework, from bench.sh), and the OpenBLAS core-type override with its MSE check (null when none was needed).
    /// </summary>
    public static void AddKernelsRun(JsonObject summary, IReadOnlyList<BenchReport> reports, IReadOnlyDictionary<string, string> peerBlas,
        string? overrideCores, BenchReport? nativeReport)
    {
        summary["gemm_blocking"] = reports.FirstOrDefault(r => r.Framework == "ours" && r.Settings.ContainsKey("gemm_blocking"))?.Settings["gemm_blocking"];
        foreach (string peer in Frameworks.Skip(1)) summary[$"peer_blas_{peer}"] = peerBlas.GetValueOrDefault(peer);
        summary["openblas_coretype_override"] = overrideCores is null ? null : OpenBlasOverride(overrideCores, nativeReport, summary);
        if (summary["openblas_coretype_override"]?["within_1_percent"] is JsonNode within && !(bool)within)
            summary["warnings"]!.AsArray().Add("PyTorch's test MSE with OPENBLAS_CORETYPE differs from its native run's by more than 1 %");
    }

    /// <summary>
    /// The record of an OPENBLAS_CORETYPE given to PyTorch (<paramref name="cores"/> is "NATIVE=CORETYPE"): the core OpenBLAS
    /// picked, the one it was given, the test MSE of one native training run (<paramref name="native"/>) and of the measured
    /// runs (the summary's figure, their worst round), and whether they agree within 1 % — the override must change the
    /// speed, not the results.
    /// </summary>
    public static JsonObject OpenBlasOverride(string cores, BenchReport? native, JsonObject summary)
    {
        string[] parts = cores.Split('=', 2);
        double? nativeMse = native?.Results.FirstOrDefault(r => r.Name == "ae_test_mse")?.Value;
        double? mse = summary["results"]!.AsArray().FirstOrDefault(r => (string?)r!["name"] == "ae_test_mse")?["pytorch"] is JsonNode m ? (double)m : null;
        double? difference = nativeMse is double a && mse is double b && a > 0 ? Math.Abs(b - a) / a : null;
        return new JsonObject
        {
            ["native_core"] = parts[0],
            ["coretype"] = parts.Length > 1 ? parts[1] : null,
            ["core_used"] = (string?)summary["frameworks"]?["pytorch"]?["settings"]?["openblas_core"],
            ["native_test_mse"] = nativeMse,
            ["test_mse"] = mse,
            ["relative_difference"] = difference is double d ? Math.Round(d, 6) : null,
            ["within_1_percent"] = difference is double e ? e <= 0.01 : null,
        };
    }

    /// <summary>See <see cref="RatioDefinition"/>.</summary>
    public static double? Ratio(double? ours, IEnumerable<double?> peers, string better)
    {
        double[] measured = peers.Where(p => p.HasValue && p.Value > 0).Select(p => p!.Value).ToArray();
        if (ours is not double o || o <= 0 || measured.Length == 0) return null;
        return better switch
        {
            "higher" => o / measured.Max(),
            "lower" => measured.Min() / o,
            _ => throw new InvalidDataException($"'better' must be higher or lower, not '{better}'."),
        };
    }
}
