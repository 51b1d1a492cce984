namespace BlazorTasks.Benchmarks;

/// <summary>What to run and how long; <c>--quick</c> scales everything down to stay under two minutes.</summary>
internal sealed record BenchmarkSettings
{
    public bool Quick { get; init; }

    /// <summary>Figures to run (<c>--only creation,processing,start,fanout,memory,idle</c>); all when empty.</summary>
    public IReadOnlySet<string> Only { get; init; } = new HashSet<string>();

    /// <summary>Extra configuration for the app (<c>--app-setting Tasks__Workers=32</c>), to compare settings.</summary>
    public IReadOnlyDictionary<string, string> AppSettings { get; init; } = new Dictionary<string, string>();

    public int CreationSeconds => Quick ? 3 : 10;

    public int CreationRounds => 3;

    public int CreationConnections => 64;

    public int ProcessingTasks => Quick ? 5_000 : 20_000;

    public int StartSamples => Quick ? 60 : 200;

    public int FanOutSubscribers => 1_000;

    public int FanOutTasks => Quick ? 30 : 100;

    public IReadOnlyList<int> MemoryStreams => Quick ? [1_000] : [2_000, 10_000];

    public int MemoryHeartbeatSeconds => 2;

    public int IdleSeconds => Quick ? 10 : 30;

    /// <summary>Idle windows measured back to back at most, until two in a row agree (the server settled).</summary>
    public int IdleWindows => Quick ? 3 : 4;

    public int IdleStreams => 100;

    public bool Runs(string figure) => Only.Count == 0 || Only.Contains(figure);

    public static BenchmarkSettings Parse(string[] args)
    {
        var only = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var appSettings = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--only" && i + 1 < args.Length)
            {
                only.UnionWith(args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            }
            else if (args[i] == "--app-setting" && i + 1 < args.Length && args[i + 1].Split('=', 2) is [var key, var value])
            {
                appSettings[key] = value;
                i++;
            }
        }

        return new BenchmarkSettings { Quick = args.Contains("--quick"), Only = only, AppSettings = appSettings };
    }
}
