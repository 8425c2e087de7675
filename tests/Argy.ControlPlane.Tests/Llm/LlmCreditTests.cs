using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Tests.Support;
using Xunit.Abstractions;
using static Argy.ControlPlane.Tests.Llm.LlmHarness;

namespace Argy.ControlPlane.Tests.Llm;

public sealed class LlmCreditTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Forty_parallel_equal_authorizations_worth_twice_the_remaining_budget_admit_exactly_what_fits()
    {
        await using var llm = await StartAsync();
        var user = await llm.UserWithQuotaAsync(30 * Credit);
        await TestControlPlane.Json(await llm.RecordAsync(user, 6 * Credit, 4 * Credit), 201);

        // 20 credits remain; forty requests of one credit each ask for twice that.
        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => llm.AuthorizeAsync(user, Credit)));

        var admitted = responses.Count(r => (int)r.StatusCode == 201);
        var refused = responses.Where(r => (int)r.StatusCode == 429).ToList();
        output.WriteLine($"admitted {admitted}, refused {refused.Count}");
        admitted.Should().Be(20);
        refused.Should().HaveCount(20);
        var balance = await llm.BalanceAsync(user);
        ((long)balance["usedTokens"]! + (long)balance["reservedTokens"]!).Should().Be(30 * Credit);
        ((long)balance["remainingTokens"]!).Should().Be(0);
        llm.Audit("llm.reservation.created").Should().HaveCount(20);
        llm.Audit("llm.quota.exceeded").Should().HaveCount(20).And.OnlyContain(a => a.Outcome == "denied");
    }

    [Fact]
    public async Task Forty_parallel_authorizations_of_random_sizes_never_admit_more_than_the_quota()
    {
        await using var llm = await StartAsync();
        const long quota = 10 * Credit;
        var user = await llm.UserWithQuotaAsync(quota);
        var random = new Random(7);
        var weights = Enumerable.Range(0, 40).Select(_ => random.Next(1, 100)).ToArray();
        var estimates = weights.Select(w => Math.Max(1, 2 * quota * w / weights.Sum())).ToArray();

        var responses = await Task.WhenAll(estimates.Select(e => llm.AuthorizeAsync(user, e)));

        var admitted = estimates.Where((_, i) => (int)responses[i].StatusCode == 201).Sum();
        var refused = estimates.Where((_, i) => (int)responses[i].StatusCode == 429).ToList();
        output.WriteLine($"asked {estimates.Sum()}, admitted {admitted} of {quota}, refused {refused.Count} requests");
        responses.Should().OnlyContain(r => (int)r.StatusCode == 201 || (int)r.StatusCode == 429);
        admitted.Should().BeLessThanOrEqualTo(quota);
        // Admitted only grows, so every refused estimate must still not fit next to the final admitted total.
        refused.Should().OnlyContain(e => admitted + e > quota);
        ((long)(await llm.BalanceAsync(user))["reservedTokens"]!).Should().Be(admitted);
    }

    [Fact]
    public async Task An_authorization_over_quota_is_refused_with_429_naming_the_quota_and_retry_after_the_next_month()
    {
        await using var llm = await StartAsync();
        var user = await llm.UserWithQuotaAsync(2 * Credit);
        await llm.ReserveAsync(user, 2 * Credit);

        var response = await llm.AuthorizeAsync(user, 1);

        var problem = await TestControlPlane.Json(response, 429);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        ((string)problem["quota"]!).Should().Be("llm.monthly_credits");
        ((long)problem["quotaTokens"]!).Should().Be(2 * Credit);
        ((long)problem["remainingTokens"]!).Should().Be(0);
        ((string)problem["detail"]!).Should().Contain(user).And.Contain("user override");
        var now = llm.ControlPlane.Time.GetUtcNow();
        var nextMonth = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
        response.Headers.RetryAfter!.Delta!.Value.TotalSeconds.Should().BeApproximately((nextMonth - now).TotalSeconds, 1);
        var denied = llm.Audit("llm.quota.exceeded").Should().ContainSingle().Subject;
        denied.Outcome.Should().Be("denied");
        ((string)denied.Data["user"]!).Should().Be(user);
    }

    [Fact]
    public async Task Settling_records_the_real_count_even_above_the_estimate_and_a_second_settle_or_release_conflicts()
    {
        await using var llm = await StartAsync();
        var user = await llm.UserWithQuotaAsync(10 * Credit);
        var reservation = await llm.ReserveAsync(user, 2 * Credit);
        ((long)(await llm.BalanceAsync(user))["remainingTokens"]!).Should().Be(8 * Credit);

        var settled = await TestControlPlane.Json(await llm.Gateway.PostAsJsonAsync($"/api/v1/llm/reservations/{reservation}/settle",
            new { inputTokens = 3 * Credit, outputTokens = 2 * Credit, model = "gpt-big" }), 200);

        ((long)settled["usage"]!["totalTokens"]!).Should().Be(5 * Credit);
        ((string)settled["usage"]!["model"]!).Should().Be("gpt-big");
        var balance = await llm.BalanceAsync(user);
        ((long)balance["usedTokens"]!).Should().Be(5 * Credit);
        ((long)balance["reservedTokens"]!).Should().Be(0);
        ((long)balance["remainingTokens"]!).Should().Be(5 * Credit);
        (await llm.AuthorizeAsync(user, 5 * Credit + 1)).StatusCode.Should().Be(System.Net.HttpStatusCode.TooManyRequests);
        await TestControlPlane.Json(await llm.Gateway.PostAsJsonAsync($"/api/v1/llm/reservations/{reservation}/settle", new { inputTokens = 1, outputTokens = 1 }), 409);
        await TestControlPlane.Json(await llm.Gateway.PostAsync($"/api/v1/llm/reservations/{reservation}/release", null), 409);
        ((long)(await llm.BalanceAsync(user))["usedTokens"]!).Should().Be(5 * Credit);
        llm.Audit("llm.reservation.settled").Should().ContainSingle();
        llm.Audit("llm.reservation.released").Should().BeEmpty();
    }

    [Fact]
    public async Task Releasing_a_reservation_frees_its_budget_once()
    {
        await using var llm = await StartAsync();
        var user = await llm.UserWithQuotaAsync(3 * Credit);
        var reservation = await llm.ReserveAsync(user, 3 * Credit);
        (await llm.AuthorizeAsync(user, Credit)).StatusCode.Should().Be(System.Net.HttpStatusCode.TooManyRequests);

        (await llm.Gateway.PostAsync($"/api/v1/llm/reservations/{reservation}/release", null)).StatusCode.Should().Be(System.Net.HttpStatusCode.NoContent);

        await llm.ReserveAsync(user, 3 * Credit);
        await TestControlPlane.Json(await llm.Gateway.PostAsync($"/api/v1/llm/reservations/{reservation}/release", null), 409);
        await TestControlPlane.Json(await llm.Gateway.PostAsJsonAsync($"/api/v1/llm/reservations/{reservation}/settle", new { inputTokens = 1, outputTokens = 1 }), 409);
        await TestControlPlane.Json(await llm.Gateway.PostAsync("/api/v1/llm/reservations/rsv_nope/release", null), 404);
        llm.Audit("llm.reservation.released").Should().ContainSingle().Which.ResourceId.Should().Be(reservation);
        ((long)(await llm.BalanceAsync(user))["usedTokens"]!).Should().Be(0);
    }

    [Fact]
    public async Task An_expired_reservation_stops_counting_but_can_still_be_settled_honestly()
    {
        await using var llm = await StartAsync();
        await llm.SettingsAsync(new { reservationMinutes = 10 });
        var user = await llm.UserWithQuotaAsync(4 * Credit);
        var stale = await llm.ReserveAsync(user, 4 * Credit);
        (await llm.AuthorizeAsync(user, 1)).StatusCode.Should().Be(System.Net.HttpStatusCode.TooManyRequests);

        llm.ControlPlane.Time.Advance(TimeSpan.FromMinutes(9));
        (await llm.AuthorizeAsync(user, 1)).StatusCode.Should().Be(System.Net.HttpStatusCode.TooManyRequests);
        llm.ControlPlane.Time.Advance(TimeSpan.FromMinutes(1));

        await llm.ReserveAsync(user, 3 * Credit);
        await TestControlPlane.Json(await llm.Gateway.PostAsJsonAsync($"/api/v1/llm/reservations/{stale}/settle", new { inputTokens = Credit, outputTokens = 0 }), 200);
        var balance = await llm.BalanceAsync(user);
        ((long)balance["usedTokens"]!).Should().Be(Credit);
        ((long)balance["reservedTokens"]!).Should().Be(3 * Credit);
        ((long)balance["remainingTokens"]!).Should().Be(0);
    }

    [Fact]
    public async Task Usage_crossing_80_and_95_percent_raises_exactly_one_alert_each_even_with_concurrent_usage()
    {
        await using var llm = await StartAsync();
        await llm.SettingsAsync(new { alertRecipients = new[] { "finops@example.test", "lead@example.test" } });
        var user = await llm.UserWithQuotaAsync(100 * Credit);

        await TestControlPlane.Json(await llm.RecordAsync(user, 79 * Credit, 0), 201);
        llm.Audit("llm.credits.threshold_crossed").Should().BeEmpty();

        // Forty concurrent usages of one credit: 79 → 119 %, crossing 80 % and 95 % once each.
        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => llm.RecordAsync(user, Credit / 2, Credit / 2)));
        responses.Should().OnlyContain(r => (int)r.StatusCode == 201);

        var alerts = llm.Audit("llm.credits.threshold_crossed");
        alerts.Select(a => (string)a.Data["threshold"]!).Should().Equal("warning", "critical");
        alerts[0].ResourceId.Should().Be(user);
        ((string)alerts[0].Data["user"]!).Should().Be(user);
        ((string)alerts[0].Data["percent"]!).Should().Be("80");
        ((string)alerts[1].Data["percent"]!).Should().Be("95");
        ((string)alerts[0].Data["quota"]!).Should().Be("100");
        ((string)alerts[0].Data["recipients"]!).Should().Be("finops@example.test,lead@example.test");
        ((string)alerts[0].Data["period"]!).Should().Be((string)(await llm.BalanceAsync(user))["period"]!);

        await TestControlPlane.Json(await llm.RecordAsync(user, Credit, 0), 201);
        llm.Audit("llm.credits.threshold_crossed").Should().HaveCount(2);
        llm.Audit("llm.usage.recorded").Should().HaveCount(42);
    }

    [Fact]
    public async Task A_settle_crossing_both_thresholds_at_once_raises_both_alerts()
    {
        await using var llm = await StartAsync();
        var user = await llm.UserWithQuotaAsync(10 * Credit);
        var reservation = await llm.ReserveAsync(user, Credit);

        var settled = await TestControlPlane.Json(await llm.Gateway.PostAsJsonAsync($"/api/v1/llm/reservations/{reservation}/settle",
            new { inputTokens = 9 * Credit, outputTokens = Credit / 2 }), 200);

        settled["alertsRaised"]!.AsArray().Select(n => (string)n!).Should().Equal("warning", "critical");
        llm.Audit("llm.credits.threshold_crossed").Should().HaveCount(2);
        (await llm.AuthorizeAsync(user, Credit)).StatusCode.Should().Be(System.Net.HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task The_month_rolls_over_at_midnight_in_the_tenant_time_zone_and_resets_usage_and_alerts()
    {
        await using var llm = await StartAsync();
        await llm.SettingsAsync(new { timeZone = "America/New_York" });
        var user = await llm.UserWithQuotaAsync(10 * Credit);
        // Half an hour before the next month starts in New York; UTC is already past midnight then.
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var local = TimeZoneInfo.ConvertTime(llm.ControlPlane.Time.GetUtcNow().AddHours(1), zone);
        var monthStart = new DateTime(local.Year, local.Month, 1, 0, 0, 0, DateTimeKind.Unspecified).AddMonths(1);
        var start = new DateTimeOffset(monthStart, zone.GetUtcOffset(monthStart));
        llm.ControlPlane.Time.SetUtcNow(start.AddMinutes(-30).ToUniversalTime());
        var (thisMonth, nextMonth) = (monthStart.AddMonths(-1).ToString("yyyy-MM", CultureInfo.InvariantCulture), monthStart.ToString("yyyy-MM", CultureInfo.InvariantCulture));
        start.AddMinutes(-30).UtcDateTime.Month.Should().Be(monthStart.Month, "UTC has already reached the new month");
        await TestControlPlane.Json(await llm.RecordAsync(user, 10 * Credit, 0), 201);
        var before = await llm.BalanceAsync(user);
        ((string)before["period"]!).Should().Be(thisMonth);
        var refused = await llm.AuthorizeAsync(user, 1);
        await TestControlPlane.Json(refused, 429);
        refused.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromMinutes(30));
        llm.Audit("llm.credits.threshold_crossed").Should().HaveCount(2);

        llm.ControlPlane.Time.Advance(TimeSpan.FromMinutes(30));

        var after = await llm.BalanceAsync(user);
        ((string)after["period"]!).Should().Be(nextMonth);
        ((long)after["usedTokens"]!).Should().Be(0);
        await llm.ReserveAsync(user, 10 * Credit);
        await TestControlPlane.Json(await llm.RecordAsync(user, 9 * Credit, 0), 201);
        llm.Audit("llm.credits.threshold_crossed").Select(a => ((string)a.Data["period"]!, (string)a.Data["threshold"]!))
            .Should().Equal((thisMonth, "warning"), (thisMonth, "critical"), (nextMonth, "warning"));
    }

    [Fact]
    public async Task Usage_repeated_with_the_same_correlation_id_is_counted_once_and_answers_the_first_record()
    {
        await using var llm = await StartAsync();
        var user = await llm.UserWithQuotaAsync(10 * Credit);

        var first = await TestControlPlane.Json(await llm.RecordAsync(user, 1000, 500, "req-1"), 201);
        var repeats = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => llm.RecordAsync(user, 7777, 1, "req-1")));

        foreach (var repeat in repeats)
        {
            var body = await TestControlPlane.Json(repeat, 200);
            ((bool)body["repeated"]!).Should().BeTrue();
            ((string)body["usage"]!["id"]!).Should().Be((string)first["usage"]!["id"]!);
            ((long)body["usage"]!["totalTokens"]!).Should().Be(1500);
        }

        ((long)(await llm.BalanceAsync(user))["usedTokens"]!).Should().Be(1500);
        llm.Audit("llm.usage.recorded").Should().ContainSingle();
        await TestControlPlane.Json(await llm.RecordAsync(llm.User(), 1, 1, "req-1"), 409);
    }

    [Fact]
    public async Task Role_defaults_apply_until_a_user_override_sets_a_number_or_unlimited()
    {
        await using var llm = await StartAsync();
        await llm.SettingsAsync(new { roleMonthlyCredits = new Dictionary<string, decimal?> { [Roles.User] = 2.5m } });
        var user = llm.User(Roles.User);
        var admin = llm.User(Roles.Admin);
        var viewer = llm.User(Roles.Viewer);

        var balance = await llm.BalanceAsync(user);
        ((long)balance["quotaTokens"]!).Should().Be(2_500_000);
        ((string)balance["quotaSource"]!).Should().Be($"role {Roles.User}");
        (await llm.AuthorizeAsync(user, 2_500_001)).StatusCode.Should().Be(System.Net.HttpStatusCode.TooManyRequests);
        (await llm.BalanceAsync(admin))["quotaTokens"].Should().BeNull("admins are unlimited by default");
        await llm.ReserveAsync(admin, 1_000_000_000_000);
        (await llm.AuthorizeAsync(viewer, 1)).StatusCode.Should().Be(System.Net.HttpStatusCode.TooManyRequests);

        await TestControlPlane.Json(await llm.Admin.PutAsJsonAsync($"/api/v1/llm/quotas/users/{user}", new { unlimited = true }), 200);
        await llm.ReserveAsync(user, 900 * Credit);
        (await llm.BalanceAsync(user))["remainingTokens"].Should().BeNull();

        await TestControlPlane.Json(await llm.Admin.PutAsJsonAsync($"/api/v1/llm/quotas/users/{user}", new { monthlyCredits = 1000 }), 200);
        (await llm.AuthorizeAsync(user, 101 * Credit)).StatusCode.Should().Be(System.Net.HttpStatusCode.TooManyRequests);
        await llm.ReserveAsync(user, 100 * Credit);

        (await llm.Admin.DeleteAsync($"/api/v1/llm/quotas/users/{user}")).StatusCode.Should().Be(System.Net.HttpStatusCode.NoContent);
        ((string)(await llm.BalanceAsync(user))["quotaSource"]!).Should().Be($"role {Roles.User}");
        var settings = await TestControlPlane.Json(await llm.Admin.GetAsync("/api/v1/llm/quotas"), 200);
        settings["userOverrides"]!.AsArray().Should().BeEmpty();
        ((decimal)settings["roleMonthlyCredits"]![Roles.User]!).Should().Be(2.5m);
        settings["roleMonthlyCredits"]![Roles.Admin].Should().BeNull();
        llm.Audit("llm.user_quota.set").Should().HaveCount(2);
        llm.Audit("llm.user_quota.cleared").Should().ContainSingle();
    }

    [Fact]
    public async Task Settings_are_validated_and_each_change_is_audited_once()
    {
        await using var llm = await StartAsync();
        var before = llm.Audit("llm.quotas.changed").Count;

        foreach (var bad in new object[]
                 {
                     new { timeZone = "Mars/Olympus" },
                     new { warningPercent = 96 },
                     new { criticalPercent = 101 },
                     new { alertRecipients = new[] { "not an email" } },
                     new { reservationMinutes = 0 },
                     new { roleMonthlyCredits = new Dictionary<string, decimal?> { ["WIZARD"] = 1 } },
                     new { roleMonthlyCredits = new Dictionary<string, decimal?> { [Roles.User] = 0.0000001m } },
                     new { roleMonthlyCredits = new Dictionary<string, decimal?> { [Roles.User] = -1 } },
                 })
        {
            await TestControlPlane.Json(await llm.Admin.PutAsJsonAsync("/api/v1/llm/quotas", bad), 400);
        }

        var user = llm.User();
        await TestControlPlane.Json(await llm.Admin.PutAsJsonAsync($"/api/v1/llm/quotas/users/{user}", new { monthlyCredits = 1, unlimited = true }), 400);
        await TestControlPlane.Json(await llm.Admin.PutAsJsonAsync("/api/v1/llm/quotas/users/usr_nope", new { monthlyCredits = 1 }), 404);
        llm.Audit("llm.quotas.changed").Should().HaveCount(before);

        var saved = await TestControlPlane.Json(await llm.Admin.PutAsJsonAsync("/api/v1/llm/quotas",
            new { timeZone = "Europe/Paris", warningPercent = 70, criticalPercent = 90, alertRecipients = new[] { "ops@example.test" } }), 200);

        ((string)saved["timeZone"]!).Should().Be("Europe/Paris");
        ((int)saved["warningPercent"]!).Should().Be(70);
        ((decimal)saved["roleMonthlyCredits"]![Roles.User]!).Should().Be(50, "unchanged roles keep their default");
        llm.Audit("llm.quotas.changed").Should().HaveCount(before + 1);
        var viewer = llm.ControlPlane.Http(llm.ControlPlane.Token(Roles.Viewer));
        await TestControlPlane.Json(await viewer.PutAsJsonAsync("/api/v1/llm/quotas", new { warningPercent = 50 }), 403);
    }

    [Fact]
    public async Task The_gateway_endpoints_need_llm_gateway_and_an_existing_user_and_valid_counts()
    {
        await using var llm = await StartAsync();
        var user = llm.User();
        var viewer = llm.ControlPlane.Http(llm.ControlPlane.Token(Roles.Viewer));

        await TestControlPlane.Json(await viewer.PostAsJsonAsync("/api/v1/llm/authorize", new { user, model = "m", estimatedTokens = 1 }), 403);
        await TestControlPlane.Json(await llm.AuthorizeAsync("usr_nope", 1), 404);
        await TestControlPlane.Json(await llm.AuthorizeAsync(user, 0), 400);
        await TestControlPlane.Json(await llm.Gateway.PostAsJsonAsync("/api/v1/llm/usage", new { user, model = "m", inputTokens = -1, outputTokens = 1, correlationId = "x" }), 400);
        await TestControlPlane.Json(await llm.Gateway.PostAsJsonAsync("/api/v1/llm/usage", new { user, model = "m", inputTokens = 1, outputTokens = 1 }), 400);

        var other = llm.ControlPlane.Services.GetService(typeof(Argy.ControlPlane.Hosting.Bootstrapper)) as Argy.ControlPlane.Hosting.Bootstrapper;
        var foreign = other!.CreateTenant("other")!;
        var foreignGateway = llm.ControlPlane.Http(foreign.Token);
        await TestControlPlane.Json(await foreignGateway.PostAsJsonAsync("/api/v1/llm/authorize",
            new { user, model = "m", estimatedTokens = 1 }), 404);
        var reservation = await llm.ReserveAsync(user, 1);
        await TestControlPlane.Json(await foreignGateway.PostAsync($"/api/v1/llm/reservations/{reservation}/release", null), 404);
        llm.Audit("llm.reservation.created").Should().ContainSingle();

        await TestControlPlane.Json(await llm.Admin.PostAsync($"/api/v1/users/{user}/disable", null), 200);
        await TestControlPlane.Json(await llm.AuthorizeAsync(user, 1), 403);
        llm.Audit("llm.request.denied").Should().ContainSingle().Which.Outcome.Should().Be("denied");
    }
}
