using BlazorTasks.Benchmarks;

// Two modes of one executable:
//   (default)            build and start the real app, measure it against the baseline, print the table;
//   --baseline-server    the baseline: bare Kestrel that reads the same JSON and answers 202, no database.
if (args.Contains("--baseline-server"))
{
    await BaselineServer.RunAsync(args);
    return 0;
}

return await BenchmarkRunner.RunAsync(BenchmarkSettings.Parse(args));
