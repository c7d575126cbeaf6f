using System.Globalization;
using System.Text.Json.Nodes;
using Bot.Pipeline.People;
using Bot.Pipeline.SignIn;
using Bot.Pipeline.Threads;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bot.Channels.Slack;

/// <summary>
/// The bot's App Home tab in Slack, published (<c>views.publish</c>) each time the person opens it: their recent
/// threads from every connected channel, what the features say (open trade plans, schedules), and an "Open in browser"
/// button carrying a one-time sign-in link (the same as <c>/web</c>'s, so it works once, for 10 minutes; the tab is
/// drawn again, with a fresh link, whenever it is opened). A Slack account the bot has not met yet gets a short welcome.
/// </summary>
public sealed partial class SlackAppHome(SlackClient slack, IServiceScopeFactory scopes, IOptions<WebSignInOptions> web, TimeProvider clock, ILogger<SlackAppHome> logger)
{
    private const int MaxThreads = 5;
    private const int MaxLines = 5;

    /// <summary>Draws <paramref name="slackUser"/>'s Home tab. A failure is logged: the tab keeps its last view.</summary>
    public async Task PublishAsync(string slackUser, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var queries = services.GetRequiredService<ThreadQueries>();
        var userId = await queries.UserForIdentityAsync(SlackMapper.Channel, slackUser, cancellationToken);
        var blocks = new JsonArray { SlackBlocks.Header("Your finance assistant") };
        if (userId is not { } person)
        {
            blocks.Add(SlackBlocks.Section("Send me a direct message to start: ask about your balances or portfolio, or type `/help`."));
        }
        else
        {
            if (web.Value.CanMakeLinks)
            {
                var link = await services.GetRequiredService<WebSignInLinks>().IssueAsync(person, cancellationToken);
                blocks.Add(new JsonObject
                {
                    ["type"] = "actions",
                    ["elements"] = new JsonArray
                    {
                        new JsonObject
                        {
                            ["type"] = "button", ["action_id"] = "open_web_app", ["style"] = "primary",
                            ["text"] = SlackBlocks.PlainText("Open in browser"), ["url"] = link.Url,
                        },
                    },
                });
                blocks.Add(Context("The button signs you in to the web app once, for 10 minutes; open this tab again for a new one."));
            }
            // As the web sidebar lists them: scheduled runs (and archived threads) are not threads of the list; each
            // schedule is one line with its run count and how the last run went.
            var threads = await queries.PageAsync(person, ThreadListKind.Active, null, null, MaxThreads, cancellationToken);
            blocks.Add(new JsonObject { ["type"] = "divider" });
            blocks.Add(SlackBlocks.Section(threads.Count == 0
                ? "*Recent threads*\nNone yet."
                : "*Recent threads*\n" + string.Join('\n', threads.Select(t => $"• {SlackMrkdwn.Escape(t.Title)} ({t.Channel}, {Ago(t.UpdatedAt)})"))));
            var schedules = await queries.ScheduleGroupsAsync(person, cancellationToken);
            if (schedules.Count > 0)
            {
                blocks.Add(SlackBlocks.Section("*Scheduled runs*\n" + string.Join('\n', schedules.Take(MaxLines).Select(g =>
                    $"• {SlackMrkdwn.Escape(g.Title)}: {Runs(g.RunCount)}, last {Ago(g.LastRunAt)}, {SlackMrkdwn.Escape(g.LastOutcome)}"))
                    + (schedules.Count > MaxLines ? $"\n• … and {schedules.Count - MaxLines} more" : string.Empty)));
            }
            foreach (var source in services.GetServices<IPersonSummarySource>().OrderBy(s => s.Order))
            {
                if (await source.DescribeAsync(person, MaxLines, cancellationToken) is { } section)
                {
                    blocks.Add(SlackBlocks.Section($"*{SlackMrkdwn.Escape(section.Title)}*\n" + string.Join('\n', section.Lines.Select(line => "• " + SlackMrkdwn.Escape(line)))));
                }
            }
        }
        var response = await slack.PublishViewAsync(slackUser, new JsonObject { ["type"] = "home", ["blocks"] = blocks }, cancellationToken);
        if (!response.Ok)
        {
            LogPublishFailed(logger, response.Error ?? "unknown error");
        }
    }

    private string Ago(DateTimeOffset at)
    {
        var age = clock.GetUtcNow() - at;
        return age.TotalMinutes < 1 ? "just now"
            : age.TotalHours < 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalMinutes} min ago")
            : age.TotalDays < 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalHours} h ago")
            : at.ToString("d MMM yyyy", CultureInfo.InvariantCulture);
    }

    private static string Runs(int count) => count == 1 ? "1 run" : string.Create(CultureInfo.InvariantCulture, $"{count} runs");

    private static JsonObject Context(string text) => new() { ["type"] = "context", ["elements"] = new JsonArray { SlackBlocks.Mrkdwn(text) } };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing a Slack App Home view failed: {Error}")]
    private static partial void LogPublishFailed(ILogger logger, string error);
}
