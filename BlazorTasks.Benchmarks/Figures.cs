using System.Collections.Concurrent;
using System.Diagnostics;

namespace BlazorTasks.Benchmarks;

/// <summary>The six figures of the benchmark; each adds one row to the report.</summary>
internal sealed class Figures(BenchmarkSettings settings, Wrk wrk, Report report)
{
    private const string EventsPath = "/api/tasks/events?scope=all";

    /// <summary>
    /// POST /api/tasks with wrk, app and baseline in interleaved rounds. Before each round the app's
    /// backlog (the tasks the last round created) is drained, so neither side runs beside leftover work.
    /// </summary>
    public async Task CreationRateAsync(ServerProcess app, ServerProcess baseline, AppClient client)
    {
        Console.WriteLine($"Creation rate: {settings.CreationRounds} rounds of {settings.CreationSeconds} s, {settings.CreationConnections} connections…");
        // Warm-up long enough for tiered compilation to reach its optimized code on both sides.
        var warmUp = settings.Quick ? 3 : 5;
        await wrk.PostTasksAsync(app.BaseAddress, client.Token, settings.CreationConnections, warmUp);
        await WaitForIdleAsync(client);
        await wrk.PostTasksAsync(baseline.BaseAddress, null, settings.CreationConnections, warmUp);

        var appRuns = new List<WrkResult>();
        var baselineRuns = new List<WrkResult>();
        var appCpuPerTask = new List<double>();
        var baselineCpuPerRequest = new List<double>();
        for (var round = 1; round <= settings.CreationRounds; round++)
        {
            await WaitForIdleAsync(client);
            var appCpu = app.CpuTime();
            var appRun = await wrk.PostTasksAsync(app.BaseAddress, client.Token, settings.CreationConnections, settings.CreationSeconds);
            await WaitForIdleAsync(client); // Includes processing the tasks this round created.
            appCpuPerTask.Add((app.CpuTime() - appCpu).TotalMicroseconds / appRun.Requests);
            var baselineCpu = baseline.CpuTime();
            var baselineRun = await wrk.PostTasksAsync(baseline.BaseAddress, null, settings.CreationConnections, settings.CreationSeconds);
            baselineCpuPerRequest.Add((baseline.CpuTime() - baselineCpu).TotalMicroseconds / baselineRun.Requests);
            appRuns.Add(appRun);
            baselineRuns.Add(baselineRun);
            Console.WriteLine($"  round {round}: app {appRun.RequestsPerSecond:#,0}/s p99 {appRun.P99Ms:0.0} ms non-202 {appRun.Non202}, {appCpuPerTask[^1]:0} µs CPU per task; baseline {baselineRun.RequestsPerSecond:#,0}/s p99 {baselineRun.P99Ms:0.0} ms, {baselineCpuPerRequest[^1]:0} µs CPU per request");
        }

        var appRps = Stats.Median(appRuns.Select(r => r.RequestsPerSecond).ToList());
        var baselineRps = Stats.Median(baselineRuns.Select(r => r.RequestsPerSecond).ToList());
        var p99 = Stats.Median(appRuns.Select(r => r.P99Ms).ToList());
        var non202 = appRuns.Sum(r => r.Non202 + r.SocketErrors);
        var ratio = appRps / baselineRps;
        report.Figures.Add(new FigureResult(
            "creation rate",
            $"{Stats.N(appRps)} req/s = **{ratio:0.00}×** baseline, p99 {Stats.Ms(p99)}, {non202} non-202",
            $"{Stats.N(baselineRps)} req/s, p99 {Stats.Ms(Stats.Median(baselineRuns.Select(r => r.P99Ms).ToList()))}",
            "≥ 0.25×, p99 ≤ 15 ms, 0 non-202",
            ratio >= 0.25 && p99 <= 15 && non202 == 0)
        {
            Data = new()
            {
                ["appRuns"] = appRuns,
                ["baselineRuns"] = baselineRuns,
                ["ratio"] = ratio,
                ["p99Ms"] = p99,
                ["non202"] = non202,
                ["appCpuMicrosecondsPerTask"] = Stats.Median(appCpuPerTask),
                ["baselineCpuMicrosecondsPerRequest"] = Stats.Median(baselineCpuPerRequest),
            },
            Note = $"server CPU per request, which the machine's other load does not skew: app {Stats.Median(appCpuPerTask):0} µs per task created and processed, baseline {Stats.Median(baselineCpuPerRequest):0} µs per request.",
        });
    }

    /// <summary>
    /// Creates N no-op tasks as fast as wrk can post them while one admin SSE stream follows everything;
    /// measures until the last task-completed arrives and checks each task completed exactly once.
    /// </summary>
    public async Task ProcessingThroughputAsync(ServerProcess app, AppClient client)
    {
        var count = settings.ProcessingTasks;
        Console.WriteLine($"Processing throughput: {count:#,0} no-op tasks…");
        await WaitForIdleAsync(client);
        var tasksBefore = await client.CountTasksAsync();

        var created = new ConcurrentDictionary<Guid, byte>();
        var completions = new ConcurrentDictionary<Guid, int>();
        var notCompleted = 0;
        long lastCompleted = 0;
        await using var stream = await SseStream.OpenAsync(app.BaseAddress, EventsPath, client.Token, e =>
        {
            if (e.Name == "task-created")
            {
                created.TryAdd(EventData.Parse(e.Data).TaskId, 0);
            }
            else if (e.Name == "task-completed")
            {
                var data = EventData.Parse(e.Data);
                completions.AddOrUpdate(data.TaskId, 1, (_, n) => n + 1);
                if (data.Status != "completed")
                {
                    Interlocked.Increment(ref notCompleted);
                }

                Volatile.Write(ref lastCompleted, e.ReceivedTimestamp);
            }
        }, CancellationToken.None);
        await stream.Connected.WaitAsync(TimeSpan.FromSeconds(10));

        var appCpuBefore = app.CpuTime();
        var selfCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        var run = await wrk.PostTasksAsync(app.BaseAddress, client.Token, settings.CreationConnections, 120, count, () => created.Count >= count);
        var submitted = Stopwatch.GetElapsedTime(start);
        // Requests wrk had in flight when it was interrupted may still commit: count the rows until every
        // row's task-created and task-completed have arrived.
        var total = await client.CountTasksAsync() - tasksBefore;
        var deadline = Stopwatch.StartNew();
        while ((completions.Count < total || created.Count != total) && deadline.Elapsed < TimeSpan.FromSeconds(120) && stream.Error is null)
        {
            await Task.Delay(20);
            total = await client.CountTasksAsync() - tasksBefore;
        }

        var elapsed = Stopwatch.GetElapsedTime(start, Volatile.Read(ref lastCompleted));
        var appCpu = app.CpuTime() - appCpuBefore;
        var selfCpu = Process.GetCurrentProcess().TotalProcessorTime - selfCpuBefore;
        await Task.Delay(1000); // Anything arriving now would be a duplicate completion.
        var duplicates = completions.Values.Count(n => n > 1);
        var missing = created.Keys.Count(id => !completions.ContainsKey(id));
        var completedInDb = await client.CountTasksAsync("completed");
        var rate = total / elapsed.TotalSeconds;
        var exactlyOnce = duplicates == 0 && missing == 0 && created.Count == total && completions.Count == total && notCompleted == 0 && run.Non202 == 0;
        Console.WriteLine($"  {total:#,0} tasks in {elapsed.TotalSeconds:0.00} s (posted in {submitted.TotalSeconds:0.00} s): {rate:#,0} tasks/s; duplicates {duplicates}, missing {missing}; CPU: app {appCpu.TotalSeconds:0.0} s, benchmark {selfCpu.TotalSeconds:0.0} s");
        report.Figures.Add(new FigureResult(
            "processing throughput",
            $"**{Stats.N(rate)} tasks/s** ({Stats.N(total)} tasks, {(exactlyOnce ? "each completed exactly once" : "NOT exactly once")})",
            "— (Hangfire 1.8 + SQLite, 100 ms poll: ~150/s)",
            "≥ 3,500 tasks/s, exactly once",
            rate >= 3500 && exactlyOnce)
        {
            Data = new()
            {
                ["tasks"] = total,
                ["seconds"] = elapsed.TotalSeconds,
                ["tasksPerSecond"] = rate,
                ["createdEvents"] = created.Count,
                ["completedEvents"] = completions.Values.Sum(),
                ["duplicates"] = duplicates,
                ["missing"] = missing,
                ["failedOrCanceled"] = notCompleted,
                ["completedInDatabase"] = completedInDb,
                ["non202"] = run.Non202,
                ["postRequestsPerSecond"] = run.RequestsPerSecond,
                ["appCpuSeconds"] = appCpu.TotalSeconds,
                ["benchmarkCpuSeconds"] = selfCpu.TotalSeconds,
            },
        });
    }

    /// <summary>
    /// Idle server, one task at a time with random gaps: from the 202 arriving at the client to the
    /// task-processing event (written by the claim, just before the handler runs) arriving on an SSE stream.
    /// </summary>
    public async Task StartLatencyAsync(ServerProcess app, AppClient client)
    {
        Console.WriteLine($"Start latency: {settings.StartSamples} tasks one at a time…");
        await WaitForIdleAsync(client);
        var processing = new ConcurrentDictionary<Guid, TaskCompletionSource<SseEvent>>();
        await using var stream = await SseStream.OpenAsync(app.BaseAddress, EventsPath, client.Token, e =>
        {
            if (e.Name == "task-processing")
            {
                processing.GetOrAdd(EventData.Parse(e.Data).TaskId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(e);
            }
        }, CancellationToken.None);
        await stream.Connected.WaitAsync(TimeSpan.FromSeconds(10));

        var observed = new List<double>();
        var byTimestamp = new List<double>();
        for (var i = 0; i < settings.StartSamples + 5; i++)
        {
            await Task.Delay(Random.Shared.Next(20, 80));
            var (taskId, acceptedTimestamp, acceptedAt) = await client.CreateAsync(Wrk.CreateBody);
            var started = await processing.GetOrAdd(taskId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(TimeSpan.FromSeconds(10));
            if (i < 5)
            {
                continue; // Warm-up.
            }

            observed.Add(Math.Max(0, Stopwatch.GetElapsedTime(acceptedTimestamp, started.ReceivedTimestamp).TotalMilliseconds));
            byTimestamp.Add((EventData.Parse(started.Data).At - acceptedAt).TotalMilliseconds);
        }

        var p50 = Stats.Median(observed);
        var p95 = Stats.Percentile(observed, 95);
        Console.WriteLine($"  p50 {p50:0.00} ms, p95 {p95:0.00} ms (claim timestamp: p50 {Stats.Median(byTimestamp):0.00} ms)");
        report.Figures.Add(new FigureResult(
            "start latency",
            $"p50 **{Stats.Ms(p50)}**, p95 **{Stats.Ms(p95)}**",
            "— (Hangfire + SQLite, 100 ms poll: p50 46 ms)",
            "p50 ≤ 2 ms, p95 ≤ 10 ms",
            p50 <= 2 && p95 <= 10)
        {
            Note = "from the 202 reaching the client to the task-processing event (committed by the claim, right before the handler runs) reaching an SSE client; the claim's own timestamp (ms resolution) is in the JSON.",
            Data = new()
            {
                ["samples"] = observed.Count,
                ["p50Ms"] = p50,
                ["p95Ms"] = p95,
                ["claimTimestampP50Ms"] = Stats.Median(byTimestamp),
                ["claimTimestampP95Ms"] = Stats.Percentile(byTimestamp, 95),
            },
        });
    }

    /// <summary>
    /// 1,000 admin SSE subscribers; external tasks completed one at a time through the signed webhook;
    /// latency from the completion's commit (the event's <c>at</c>) to its receipt at each subscriber.
    /// </summary>
    public async Task FanOutAsync(ServerProcess app, AppClient client)
    {
        var subscriberCount = settings.FanOutSubscribers;
        Console.WriteLine($"Event fan-out: {subscriberCount:#,0} subscribers, {settings.FanOutTasks} completions…");
        await WaitForIdleAsync(client);

        object current = Guid.Empty; // Boxed, so it can be swapped atomically.
        var receipts = new DateTimeOffset[subscriberCount];
        var received = 0;
        var processing = new ConcurrentDictionary<Guid, TaskCompletionSource>();
        var streams = await OpenManyAsync(app.BaseAddress, client.Token, subscriberCount, index => e =>
        {
            if (e.Name == "task-completed" && TaskIdOf(e.Data) == (Guid)Volatile.Read(ref current))
            {
                receipts[index] = e.ReceivedAt;
                Interlocked.Increment(ref received);
            }
            else if (index == 0 && e.Name == "task-processing")
            {
                processing.GetOrAdd(TaskIdOf(e.Data), _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }
        });

        var fromCommit = new List<double>();
        var fromWebhook = new List<double>();
        var appCpu = TimeSpan.Zero;
        try
        {
            for (var i = 0; i < settings.FanOutTasks + 3; i++)
            {
                var (taskId, _, _) = await client.CreateAsync("""{"type":"external","payload":{"timeoutSeconds":600}}""");
                await processing.GetOrAdd(taskId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(TimeSpan.FromSeconds(10));
                await Task.Delay(Random.Shared.Next(20, 60));
                Volatile.Write(ref received, 0);
                Volatile.Write(ref current, (object)taskId);
                var sentAt = DateTimeOffset.UtcNow;
                var status = await client.PostWebhookAsync(new { taskId, status = "completed", result = new { ok = true } });
                if ((int)status != 200)
                {
                    throw new InvalidOperationException($"The webhook answered {(int)status}.");
                }

                var wait = Stopwatch.StartNew();
                while (Volatile.Read(ref received) < subscriberCount && wait.Elapsed < TimeSpan.FromSeconds(10))
                {
                    await Task.Delay(1);
                }

                if (Volatile.Read(ref received) < subscriberCount)
                {
                    throw new InvalidOperationException($"Only {received} of {subscriberCount} subscribers received task-completed of {taskId}.");
                }

                if (i < 3)
                {
                    appCpu = app.CpuTime();
                    continue; // Warm-up.
                }

                var committedAt = await CommittedAtAsync(client, taskId);
                foreach (var receipt in receipts)
                {
                    fromCommit.Add((receipt - committedAt).TotalMilliseconds);
                    fromWebhook.Add((receipt - sentAt).TotalMilliseconds);
                }
            }
        }
        finally
        {
            appCpu = app.CpuTime() - appCpu;
            await Task.WhenAll(streams.Select(s => s.DisposeAsync().AsTask()));
        }

        // Server CPU per delivered event (three events per task: created, processing, completed).
        var cpuPerDelivery = appCpu.TotalMicroseconds / (settings.FanOutTasks * 3.0 * subscriberCount);
        var p50 = Stats.Median(fromCommit);
        var p99 = Stats.Percentile(fromCommit, 99);
        Console.WriteLine($"  p50 {p50:0.00} ms, p99 {p99:0.00} ms (from sending the webhook: p50 {Stats.Median(fromWebhook):0.00} ms, p99 {Stats.Percentile(fromWebhook, 99):0.00} ms); server CPU {cpuPerDelivery:0.0} µs per event per subscriber");
        report.Figures.Add(new FigureResult(
            "event fan-out",
            $"p50 **{Stats.Ms(p50)}**, p99 **{Stats.Ms(p99)}** to each of {Stats.N(subscriberCount)} subscribers",
            "—",
            "p50 ≤ 5 ms, p99 ≤ 25 ms",
            p50 <= 5 && p99 <= 25)
        {
            Note = "from the completion's commit (the task's completedAt, ms resolution) to receipt at each subscriber; from sending the webhook (includes the HTTP request and signature check) is in the JSON.",
            Data = new()
            {
                ["subscribers"] = subscriberCount,
                ["completions"] = settings.FanOutTasks,
                ["p50Ms"] = p50,
                ["p99Ms"] = p99,
                ["fromWebhookP50Ms"] = Stats.Median(fromWebhook),
                ["fromWebhookP99Ms"] = Stats.Percentile(fromWebhook, 99),
                ["appCpuMicrosecondsPerDelivery"] = cpuPerDelivery,
            },
        });
    }

    /// <summary>Server CPU over a quiet period with no tasks and some idle streams open.</summary>
    public async Task IdleCostAsync(ServerProcess app, AppClient client)
    {
        Console.WriteLine($"Idle cost: {settings.IdleSeconds} s windows with {settings.IdleStreams} idle streams, until two in a row agree…");
        await WaitForIdleAsync(client);
        var streams = await OpenManyAsync(app.BaseAddress, client.Token, settings.IdleStreams, _ => null);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(5)); // Let the previous figure's after-effects (GC, JIT) settle.

            // A young process still compiles the code its timers run (tiered JIT promotes a method after
            // 30 calls, so code that runs every few seconds takes minutes); an idle server is one that has
            // settled. Windows are measured back to back until two in a row agree, and the last one counts;
            // every window is printed and saved.
            var windows = new List<double>();
            var cpuMs = 0.0;
            var seconds = 0.0;
            while (windows.Count < settings.IdleWindows)
            {
                var cpuBefore = app.CpuTime();
                var clock = Stopwatch.StartNew();
                await Task.Delay(TimeSpan.FromSeconds(settings.IdleSeconds));
                var cpu = app.CpuTime() - cpuBefore;
                (cpuMs, seconds) = (cpu.TotalMilliseconds, clock.Elapsed.TotalSeconds);
                windows.Add(cpu.TotalSeconds / clock.Elapsed.TotalSeconds * 100);
                Console.WriteLine($"  window {windows.Count}: {cpuMs:0} ms CPU in {seconds:0.0} s = {windows[^1]:0.00} % of a core (server up {app.Uptime.TotalSeconds:0} s)");
                if (windows.Count >= 2 && Math.Abs(windows[^1] - windows[^2]) <= Math.Max(0.05, 0.2 * windows[^1]))
                {
                    break;
                }
            }

            var percent = windows[^1];
            report.Figures.Add(new FigureResult(
                "idle cost",
                $"**{percent:0.00} %** of one core ({settings.IdleStreams} idle streams, {settings.IdleSeconds} s)",
                "—",
                "< 0.5 % of one core",
                percent < 0.5)
            {
                Data = new()
                {
                    ["cpuMs"] = cpuMs,
                    ["seconds"] = seconds,
                    ["percentOfOneCore"] = percent,
                    ["windowsPercentOfOneCore"] = windows,
                    ["serverUptimeSeconds"] = app.Uptime.TotalSeconds,
                },
                Note = $"the last of {windows.Count} back-to-back windows ({string.Join(", ", windows.Select(w => $"{w:0.00} %"))}), server up {app.Uptime.TotalMinutes:0.0} min.",
            });
        }
        finally
        {
            await Task.WhenAll(streams.Select(s => s.DisposeAsync().AsTask()));
        }
    }

    /// <summary>
    /// RSS growth per idle stream: a fresh app (short heartbeat) and a fresh baseline each hold the same
    /// number of streams; every app stream must receive a heartbeat.
    /// </summary>
    public async Task SseMemoryAsync(string appDll, string secret, int count)
    {
        Console.WriteLine($"SSE memory: {count:#,0} idle streams, app vs baseline…");
        var heartbeat = settings.MemoryHeartbeatSeconds;
        var appSettings = new Dictionary<string, string>(settings.AppSettings)
        {
            ["Events__HeartbeatSeconds"] = heartbeat.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await using var app = await ServerProcess.StartAppAsync(appDll, secret, appSettings);
        using var client = new AppClient(app.BaseAddress, secret);
        await client.SignInAdminAsync();
        var appMeasure = await HoldStreamsAsync(app, client.Token, count, heartbeat);
        await app.DisposeAsync();

        await using var baseline = await ServerProcess.StartBaselineAsync();
        // The baseline gets the very same requests (bearer header included), so both hold the same bytes of headers.
        var baselineMeasure = await HoldStreamsAsync(baseline, client.Token, count, heartbeat);

        var ratio = appMeasure.BytesPerStream / baselineMeasure.BytesPerStream;
        var allHeartbeats = appMeasure.WithHeartbeat == count;
        Console.WriteLine($"  app {appMeasure.BytesPerStream / 1024:0.0} KB/stream, baseline {baselineMeasure.BytesPerStream / 1024:0.0} KB/stream, ratio {ratio:0.00}; heartbeats {appMeasure.WithHeartbeat}/{count}, errors {appMeasure.Errors}");
        report.Figures.Add(new FigureResult(
            $"SSE memory, {Stats.N(count)} streams",
            $"{appMeasure.BytesPerStream / 1024:0.0} KB/stream = **{ratio:0.00}×** baseline; {appMeasure.WithHeartbeat:#,0}/{count:#,0} got a heartbeat, {appMeasure.Errors} errors",
            $"{baselineMeasure.BytesPerStream / 1024:0.0} KB/stream",
            "≤ 1.5× baseline, all open, every heartbeat",
            ratio <= 1.5 && allHeartbeats && appMeasure.Errors == 0)
        {
            Data = new() { ["app"] = appMeasure, ["baseline"] = baselineMeasure, ["ratio"] = ratio },
        });
    }

    internal sealed record StreamMemory(long RssBefore, long RssAfter, int Streams, int Errors, int WithHeartbeat)
    {
        public double BytesPerStream => (RssAfter - RssBefore) / (double)Streams;
    }

    private static async Task<StreamMemory> HoldStreamsAsync(ServerProcess server, string? token, int count, int heartbeatSeconds)
    {
        // Warm the code paths first, so the measured growth is the streams and not the JIT.
        var warm = await OpenManyAsync(server.BaseAddress, token, 100, _ => null);
        await Task.WhenAll(warm.Select(s => s.DisposeAsync().AsTask()));
        await Task.Delay(2000);

        var before = server.ResidentBytes();
        var streams = await OpenManyAsync(server.BaseAddress, token, count, _ => null, tolerateErrors: true);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(heartbeatSeconds * 2 + 1));
            var after = server.ResidentBytes();
            var errors = count - streams.Count(s => s.Error is null && s.Connected.IsCompletedSuccessfully);
            var withHeartbeat = streams.Count(s => s.Pings > 0);
            return new StreamMemory(before, after, count, errors, withHeartbeat);
        }
        finally
        {
            await Task.WhenAll(streams.Select(s => s.DisposeAsync().AsTask()));
        }
    }

    private static async Task<List<SseStream>> OpenManyAsync(Uri baseAddress, string? token, int count, Func<int, Action<SseEvent>?> onEvent, bool tolerateErrors = false)
    {
        var streams = new SseStream[count];
        var path = token is null ? "/api/tasks/events" : EventsPath;
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, cancellationToken) =>
        {
            streams[i] = await SseStream.OpenAsync(baseAddress, path, token, onEvent(i), cancellationToken);
            try
            {
                await streams[i].Connected.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }
            catch (Exception) when (tolerateErrors)
            {
            }
        });
        return [.. streams];
    }

    /// <summary>Waits until no task is pending or processing (the previous figure's work is done).</summary>
    private static async Task WaitForIdleAsync(AppClient client)
    {
        var wait = Stopwatch.StartNew();
        while (await client.CountTasksAsync("pending") + await client.CountTasksAsync("processing") > 0)
        {
            if (wait.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException("The app still has pending or processing tasks after 5 minutes.");
            }

            await Task.Delay(200);
        }

        await Task.Delay(500);
    }

    private static async Task<DateTimeOffset> CommittedAtAsync(AppClient client, Guid taskId) =>
        (await client.GetTaskAsync(taskId)).GetProperty("completedAt").GetDateTimeOffset();

    /// <summary>The task id at the start of an event's data (<c>{"taskId":"…"</c>), without a JSON parse per subscriber.</summary>
    private static Guid TaskIdOf(string data) =>
        data.StartsWith("{\"taskId\":\"", StringComparison.Ordinal) && Guid.TryParse(data.AsSpan(11, 36), out var id) ? id : EventData.Parse(data).TaskId;
}
