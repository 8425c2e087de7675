using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Llm;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tests.Llm;
using Argy.ControlPlane.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Argy.ControlPlane.Tests.Usage;

public sealed class UsageReportTests(ITestOutputHelper output)
{
    private static readonly string[] Models = ["gpt-a", "gpt-b", "claude-c", "llama-d", "mistral-e"];
    private static readonly string[] UsageColumns = ["Id", "TenantId", "UserId", "Model", "InputTokens", "OutputTokens", "TotalTokens", "Period", "At", "CorrelationId", "ReservationId"];
    private static readonly string[] Statuses = ["Succeeded", "Succeeded", "Succeeded", "Failed", "TimedOut", "Cancelled", "Running", "Queued"];

    [Fact]
    public async Task A_year_of_500k_llm_usage_rows_and_100k_deployments_is_reported_correctly_and_quickly()
    {
        await using var llm = await LlmHarness.StartAsync();
        var now = llm.ControlPlane.Time.GetUtcNow();
        var users = Enumerable.Range(0, 20).Select(_ => llm.User()).ToArray();
        var products = Enumerable.Range(0, 12).Select(i => $"product-{i:D2}").ToArray();
        var random = new Random(42);
        var yearMs = (long)TimeSpan.FromDays(365).TotalMilliseconds;
        var nowMs = UnixMs.From(now);
        var monthStart = nowMs - (long)TimeSpan.FromDays(30).TotalMilliseconds;
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var trendStart = UnixMs.From(new DateTimeOffset(today.AddDays(-29).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));

        var byUser = new Dictionary<string, (long Requests, long Tokens)>();
        var byModel = new Dictionary<string, (long Requests, long Tokens)>();
        var byProduct = new Dictionary<string, (long Count, long Succeeded, long Failed)>();
        var trendTokens = new Dictionary<string, long>();
        var trendDeployments = new Dictionary<string, long>();
        string Day(long ms) => DateOnly.FromDateTime(UnixMs.To(ms).UtcDateTime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        var generation = Stopwatch.StartNew();
        using (var connection = llm.ControlPlane.Services.GetRequiredService<Database>().Open())
        using (var transaction = Database.BeginWrite(connection))
        {
            // The store's own statements, prepared once: the row plus its daily and quarter-hour rollups.
            var commands = new[] { LlmCreditStore.InsertUsageSql, LlmCreditStore.AddToDailySql, LlmCreditStore.AddToQuartersSql }.Select(sql =>
            {
                var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = sql;
                foreach (var name in UsageColumns)
                {
                    if (sql.Contains("@" + name, StringComparison.Ordinal))
                    {
                        command.Parameters.Add(new Microsoft.Data.Sqlite.SqliteParameter { ParameterName = "@" + name, Value = DBNull.Value });
                    }
                }

                command.Prepare();
                return command;
            }).ToArray();
            void Set(string name, object value)
            {
                foreach (var command in commands.Where(c => c.Parameters.Contains("@" + name)))
                {
                    command.Parameters["@" + name].Value = value;
                }
            }

            Set("TenantId", llm.ControlPlane.TenantId);
            for (var i = 0; i < 500_000; i++)
            {
                var user = users[random.Next(users.Length)];
                var model = Models[random.Next(Models.Length)];
                long input = random.Next(10, 20_000), outputTokens = random.Next(10, 5_000);
                var at = nowMs - 1 - random.NextInt64(yearMs);
                Set("Id", $"llu_{i}");
                Set("UserId", user);
                Set("Model", model);
                Set("InputTokens", input);
                Set("OutputTokens", outputTokens);
                Set("TotalTokens", input + outputTokens);
                Set("Period", UnixMs.To(at).ToString("yyyy-MM", CultureInfo.InvariantCulture));
                Set("At", at);
                foreach (var command in commands)
                {
                    command.ExecuteNonQuery();
                }
                byUser[user] = (byUser.GetValueOrDefault(user).Requests + 1, byUser.GetValueOrDefault(user).Tokens + input + outputTokens);
                if (at >= monthStart)
                {
                    byModel[model] = (byModel.GetValueOrDefault(model).Requests + 1, byModel.GetValueOrDefault(model).Tokens + input + outputTokens);
                }

                if (at >= trendStart)
                {
                    trendTokens[Day(at)] = trendTokens.GetValueOrDefault(Day(at)) + input + outputTokens;
                }
            }

            foreach (var command in commands)
            {
                command.Dispose();
            }

            using var deployment = connection.CreateCommand();
            deployment.Transaction = transaction;
            deployment.CommandText = """
                INSERT INTO deployments (id, tenant_id, product, tags, env, timeout_seconds, status, created_by, created_at)
                VALUES ($id, $tenant, $product, '[]', '{}', 600, $status, 'generator', $at)
                """;
            var d = new[] { "$id", "$tenant", "$product", "$status", "$at" }
                .Select(n => deployment.Parameters.Add(new Microsoft.Data.Sqlite.SqliteParameter { ParameterName = n })).ToArray();
            deployment.Prepare();
            d[1].Value = llm.ControlPlane.TenantId;
            for (var i = 0; i < 100_000; i++)
            {
                var product = products[random.Next(products.Length)];
                var status = Statuses[random.Next(Statuses.Length)];
                var at = nowMs - 1 - random.NextInt64(yearMs);
                d[0].Value = $"run_gen{i}";
                d[2].Value = product;
                d[3].Value = status;
                d[4].Value = at;
                deployment.ExecuteNonQuery();
                var line = byProduct.GetValueOrDefault(product);
                byProduct[product] = (line.Count + 1, line.Succeeded + (status == "Succeeded" ? 1 : 0), line.Failed + (status is "Failed" or "TimedOut" ? 1 : 0));
                if (at >= trendStart)
                {
                    trendDeployments[Day(at)] = trendDeployments.GetValueOrDefault(Day(at)) + 1;
                }
            }

            transaction.Commit();
        }

        output.WriteLine($"generated 500,000 usage rows and 100,000 deployments in {generation.ElapsedMilliseconds} ms");
        var reader = llm.ControlPlane.Http(llm.ControlPlane.Token(Roles.ProductManager));
        var from = Uri.EscapeDataString(now.AddDays(-366).ToString("O", CultureInfo.InvariantCulture));
        await reader.GetAsync("/api/v1/usage/trend?days=1");

        var (users_, userMs) = await TimedAsync(reader, $"/api/v1/usage/llm?by=user&from={from}");
        var (models, modelMs) = await TimedAsync(reader, "/api/v1/usage/llm?by=model");
        var (deployments, deploymentMs) = await TimedAsync(reader, $"/api/v1/usage/deployments?by=product&from={from}");
        var (trend, trendMs) = await TimedAsync(reader, "/api/v1/usage/trend?days=30");
        var (yearTrend, yearTrendMs) = await TimedAsync(reader, "/api/v1/usage/trend?days=366");
        output.WriteLine($"llm by user (a year): {userMs} ms; llm by model (30 days): {modelMs} ms; deployments by product (a year): {deploymentMs} ms; "
            + $"trend 30 days: {trendMs} ms; trend 366 days: {yearTrendMs} ms");

        Items(users_).Select(i => ((string)i["key"]!, (long)i["requests"]!, (long)i["totalTokens"]!))
            .Should().BeEquivalentTo(byUser.Select(u => (u.Key, u.Value.Requests, u.Value.Tokens)));
        ((long)users_["total"]!["requests"]!).Should().Be(500_000);
        Items(users_).Should().OnlyContain(i => ((string)i["email"]!).EndsWith("@example.test", StringComparison.Ordinal));
        Items(users_).Select(i => (long)i["totalTokens"]!).Should().BeInDescendingOrder();
        Items(models).Select(i => ((string)i["key"]!, (long)i["requests"]!, (long)i["totalTokens"]!))
            .Should().BeEquivalentTo(byModel.Select(m => (m.Key, m.Value.Requests, m.Value.Tokens)));
        Items(deployments).Select(i => ((string)i["product"]!, (long)i["count"]!, (long)i["succeeded"]!, (long)i["failed"]!))
            .Should().BeEquivalentTo(byProduct.Select(p => (p.Key, p.Value.Count, p.Value.Succeeded, p.Value.Failed)));
        ((long)deployments["total"]!["count"]!).Should().Be(100_000);
        var days = Items(trend).ToList();
        days.Should().HaveCount(30);
        ((string)days[^1]["date"]!).Should().Be(today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        days.Select(i => ((string)i["date"]!, (long)i["llmTokens"]!, (long)i["deployments"]!))
            .Should().Equal(days.Select(i => (string)i["date"]!).Select(date => (date, trendTokens.GetValueOrDefault(date), trendDeployments.GetValueOrDefault(date))));
        Items(yearTrend).Sum(i => (long)i["deployments"]!).Should().Be(100_000);
        Items(yearTrend).Sum(i => (long)i["llmRequests"]!).Should().Be(500_000);
        foreach (var elapsed in new[] { userMs, modelMs, deploymentMs, trendMs, yearTrendMs })
        {
            elapsed.Should().BeLessThan(2000, "a report over a year of data reads one covering index range");
        }
    }

    [Fact]
    public async Task The_trend_places_usage_in_days_of_the_tenant_time_zone_and_fills_empty_days_with_zero()
    {
        await using var llm = await LlmHarness.StartAsync();
        await llm.SettingsAsync(new { timeZone = "Asia/Kolkata" });
        var user = await llm.UserWithQuotaAsync(1000 * LlmHarness.Credit);
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        var local = TimeZoneInfo.ConvertTime(llm.ControlPlane.Time.GetUtcNow(), zone);
        // Noon tomorrow in India (UTC+5:30); records a minute either side of local midnight fall on different local days
        // although both are on the same UTC day.
        var noon = new DateTimeOffset(local.Date.AddDays(1).AddHours(12), zone.BaseUtcOffset);
        llm.ControlPlane.Time.SetUtcNow(noon);
        var today = DateOnly.FromDateTime(noon.DateTime);
        var midnight = new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), zone.BaseUtcOffset);
        Record(llm, midnight.AddMinutes(-1), 100);
        Record(llm, midnight.AddMinutes(1), 200);
        Record(llm, noon, 400);

        var trend = await TestControlPlane.Json(await llm.Admin.GetAsync("/api/v1/usage/trend?days=7"), 200);

        ((string)trend["timeZone"]!).Should().Be("Asia/Kolkata");
        var days = Items(trend).Select(i => ((string)i["date"]!, (long)i["llmTokens"]!, (long)i["llmRequests"]!)).ToList();
        days.Should().HaveCount(7);
        days[^1].Should().Be((Date(today), 600L, 2L));
        days[^2].Should().Be((Date(today.AddDays(-1)), 100L, 1L));
        days.Take(5).Should().OnlyContain(d => d.Item2 == 0 && d.Item3 == 0);
        days.Select(d => d.Item1).Should().Equal(Enumerable.Range(0, 7).Select(i => Date(today.AddDays(i - 6))));

        void Record(LlmHarness harness, DateTimeOffset at, long tokens)
        {
            using var connection = harness.ControlPlane.Services.GetRequiredService<Database>().Open();
            using var transaction = Database.BeginWrite(connection);
            harness.ControlPlane.Services.GetRequiredService<LlmCreditStore>().InsertUsage(connection, transaction, new LlmUsageRow
            {
                Id = Guid.NewGuid().ToString("N"), TenantId = harness.ControlPlane.TenantId, UserId = user, Model = "m",
                InputTokens = tokens, TotalTokens = tokens, Period = "p", At = UnixMs.From(at),
            });
            transaction.Commit();
        }
    }

    [Fact]
    public async Task Usage_recorded_through_the_gateway_is_reported_whole_days_and_partial_edges_alike()
    {
        await using var llm = await LlmHarness.StartAsync();
        var (ada, bob) = (llm.User(), llm.User());
        var t0 = llm.ControlPlane.Time.GetUtcNow();
        await TestControlPlane.Json(await llm.RecordAsync(ada, 1000, 10, model: "gpt-a"), 201);
        llm.ControlPlane.Time.Advance(TimeSpan.FromDays(2));
        var reservation = await llm.ReserveAsync(bob, 500);
        await TestControlPlane.Json(await llm.Gateway.PostAsJsonAsync($"/api/v1/llm/reservations/{reservation}/settle", new { inputTokens = 300, outputTokens = 30, model = "gpt-b" }), 200);
        llm.ControlPlane.Time.Advance(TimeSpan.FromHours(3));
        await TestControlPlane.Json(await llm.RecordAsync(ada, 5, 5, model: "gpt-b"), 201);
        var t1 = llm.ControlPlane.Time.GetUtcNow();

        async Task<List<(string, long, long)>> Report(string by, DateTimeOffset from, DateTimeOffset to) =>
            Items(await TestControlPlane.Json(await llm.Admin.GetAsync(
                    $"/api/v1/usage/llm?by={by}&from={Uri.EscapeDataString(from.ToString("O", CultureInfo.InvariantCulture))}&to={Uri.EscapeDataString(to.ToString("O", CultureInfo.InvariantCulture))}"), 200))
                .Select(i => ((string)i["key"]!, (long)i["requests"]!, (long)i["totalTokens"]!)).ToList();

        (await Report("user", t0.AddDays(-1), t1.AddSeconds(1))).Should().Equal((ada, 2L, 1020L), (bob, 1L, 330L));
        (await Report("model", t0.AddDays(-1), t1.AddSeconds(1))).Should().Equal(("gpt-a", 1L, 1010L), ("gpt-b", 2L, 340L));
        (await Report("model", t0.AddMilliseconds(1), t1.AddSeconds(1))).Should().Equal(("gpt-b", 2L, 340L));
        (await Report("user", t0, t1)).Should().Equal((ada, 1L, 1010L), (bob, 1L, 330L));
        (await Report("user", t0.AddHours(-1), t0.AddHours(1))).Should().Equal((ada, 1L, 1010L));
        var trend = await TestControlPlane.Json(await llm.Admin.GetAsync("/api/v1/usage/trend?days=5"), 200);
        Items(trend).Sum(i => (long)i["llmTokens"]!).Should().Be(1350);
    }

    [Fact]
    public async Task Usage_reports_refuse_bad_parameters_and_roles_without_usage_read()
    {
        await using var llm = await LlmHarness.StartAsync();
        foreach (var path in new[]
                 {
                     "/api/v1/usage/llm?by=team", "/api/v1/usage/llm?from=yesterday", "/api/v1/usage/llm?from=2026-02-01&to=2026-01-01",
                     "/api/v1/usage/deployments?by=user", "/api/v1/usage/trend?days=0", "/api/v1/usage/trend?days=367",
                 })
        {
            await TestControlPlane.Json(await llm.Admin.GetAsync(path), 400);
        }

        var user = llm.ControlPlane.Http(llm.ControlPlane.Token(Roles.User));
        await TestControlPlane.Json(await user.GetAsync("/api/v1/usage/trend"), 403);
        var empty = await TestControlPlane.Json(await llm.Admin.GetAsync("/api/v1/usage/llm?by=model&from=2026-01-01&to=2026-02-01"), 200);
        Items(empty).Should().BeEmpty();
        ((long)empty["total"]!["totalTokens"]!).Should().Be(0);
    }

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static IEnumerable<JsonObject> Items(JsonObject body) => body["items"]!.AsArray().Select(n => n!.AsObject());

    private static async Task<(JsonObject Body, long Ms)> TimedAsync(HttpClient client, string path)
    {
        var clock = Stopwatch.StartNew();
        var response = await client.GetAsync(path);
        var body = await TestControlPlane.Json(response, 200);
        return (body, clock.ElapsedMilliseconds);
    }
}
