using Bot.Pipeline.Threads;
using Bot.Storage;
using Bot.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Bot.Tests.Integration;

/// <summary>
/// <see cref="ThreadQueries.ScheduleGroupsAsync"/>, which <c>/threads</c>, the Slack App Home and the web sidebar list
/// scheduled runs by: one entry per schedule with its run count and the last run's outcome, over every chat of the
/// person, or (for <c>/threads</c> in a group chat) over the runs posted to that chat alone.
/// </summary>
public sealed class ScheduleGroupsTests : IAsyncLifetime
{
    private TestDatabase database = null!;
    private NpgsqlDataSource dataSource = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(default);
    }

    public async Task DisposeAsync()
    {
        await dataSource.DisposeAsync();
        await database.DisposeAsync();
    }

    private async Task<Guid> InsertAsync(string sql, params object[] values)
    {
        var id = Guid.CreateVersion7();
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new() { Value = id });
        foreach (var value in values)
        {
            command.Parameters.Add(new() { Value = value });
        }
        await command.ExecuteNonQueryAsync();
        return id;
    }

    private Task<Guid> ConversationAsync(string channel, string address, bool group) =>
        InsertAsync("INSERT INTO conversations (id, channel, address, is_group, created_at) VALUES ($1, $2, $3, $4, now())", channel, address, group);

    private Task<Guid> ScheduleAsync(Guid user, Guid conversation, string title) =>
        InsertAsync(
            """
            INSERT INTO schedules (id, user_id, conversation_id, title, prompt, cron, time_zone, description, starts_at, enabled, created_at, updated_at)
            VALUES ($1, $2, $3, $4, '/portfolio', '0 0 8 * * ?', 'UTC', 'every day at 08:00', now(), true, now(), now())
            """, user, conversation, title);

    /// <summary>A run of the schedule <paramref name="minutesAgo"/> minutes ago: its thread in the conversation, and its record.</summary>
    private async Task RunAsync(Guid user, Guid conversation, Guid schedule, int minutesAgo, string status, string? error = null)
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(-minutesAgo);
        var thread = await InsertAsync(
            "INSERT INTO threads (id, user_id, conversation_id, status, title, created_at, updated_at, schedule_id) VALUES ($1, $2, $3, 'Active', 'run', $4, $4, $5)",
            user, conversation, at, schedule);
        await InsertAsync(
            "INSERT INTO schedule_runs (id, schedule_id, fire_time, status, thread_id, created_at, error) VALUES ($1, $2, $3, $4, $5, $3, $6)",
            schedule, at, status, thread, error is null ? DBNull.Value : error);
    }

    [Fact]
    public async Task Runs_are_grouped_per_schedule_newest_first_and_a_group_chat_sees_only_its_own_runs()
    {
        var user = await InsertAsync("INSERT INTO users (id, display_name, created_at) VALUES ($1, 'Ann', now())");
        var other = await InsertAsync("INSERT INTO users (id, display_name, created_at) VALUES ($1, 'Bob', now())");
        var dm = await ConversationAsync("telegram", "42", group: false);
        var team = await ConversationAsync("telegram", "-100", group: true);
        var morning = await ScheduleAsync(user, dm, "Morning");
        var digest = await ScheduleAsync(user, team, "Team digest");
        var bobs = await ScheduleAsync(other, team, "Bob's");
        await RunAsync(user, dm, morning, 30, "Delivered");
        await RunAsync(user, dm, morning, 20, "Delivered");
        await RunAsync(user, dm, morning, 10, "Failed", "the broker was down");
        await RunAsync(user, team, digest, 15, "Delivered");
        await RunAsync(other, team, bobs, 5, "Delivered");
        var queries = new ThreadQueries(dataSource);

        var all = await queries.ScheduleGroupsAsync(user, default);
        Assert.Equal([(morning, "Morning", 3, "failed: the broker was down"), (digest, "Team digest", 1, "delivered")],
            all.Select(g => (g.ScheduleId, g.Title, g.RunCount, g.LastOutcome)).ToArray());

        var inTheGroup = Assert.Single(await queries.ScheduleGroupsAsync(user, default, "telegram", "-100"));
        Assert.Equal((digest, 1), (inTheGroup.ScheduleId, inTheGroup.RunCount));
        Assert.Empty(await queries.ScheduleGroupsAsync(user, default, "slack", "-100"));
    }

    [Fact]
    public void The_listing_puts_threads_first_then_one_line_per_schedule()
    {
        var now = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        var current = Guid.NewGuid();
        var text = Bot.Agent.Commands.ThreadsCommand.Render(
            [new ThreadSummary(current, "Portfolio", "telegram", "42", now.AddHours(-2), now.AddMinutes(-5), 4)],
            [new ScheduleRunGroup(Guid.NewGuid(), "Morning", 12, Guid.NewGuid(), now.AddHours(-3), "delivered"),
             new ScheduleRunGroup(Guid.NewGuid(), "Digest", 1, Guid.NewGuid(), now.AddDays(-2), "failed: the broker was down")],
            current, now);
        Assert.Equal(
            """
            **Your recent threads**

            - Portfolio (this thread) · telegram · 5 min ago

            **Scheduled runs**

            - Morning · 12 runs · last run 3 h ago: delivered
            - Digest · 1 run · last run 2 d ago: failed: the broker was down
            """.ReplaceLineEndings("\n"), text);
    }
}
