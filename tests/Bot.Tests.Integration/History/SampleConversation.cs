using Bot.Pipeline.Model;
using Bot.Storage.Entities;

namespace Bot.Tests.Integration.History;

/// <summary>
/// A made-up finance conversation with everything a prompt has to handle: questions and button presses, answers with
/// buttons, tool calls with their results, delegated sub-agents with their own steps, and a call a restart interrupted.
/// The same seed gives the same conversation; events are one second apart.
/// </summary>
internal static class SampleConversation
{
    private static readonly string[] Words =
        ["groceries", "rent", "salary", "transport", "budget", "savings", "EUR", "312.40", "October", "index", "fund", "transfer", "card", "holiday", "tax", "refund"];

    public static List<(Guid Id, string Role, EventContent Content, DateTimeOffset At)> Create(int exchanges, DateTimeOffset start, int seed)
    {
        var random = new Random(seed);
        var events = new List<(Guid, string, EventContent, DateTimeOffset)>();
        var at = start;
        void Add(string role, EventContent content)
        {
            at = at.AddSeconds(1);
            events.Add((Guid.CreateVersion7(at), role, content, at));
        }
        string Text(int words) => string.Join(' ', Enumerable.Range(0, words).Select(_ => Words[random.Next(Words.Length)]));

        for (var i = 0; i < exchanges; i++)
        {
            Add(EventRoles.User, i % 11 == 5
                ? new EventContent { Action = new ActionInvoke("/plan", new Dictionary<string, string> { [ActionInvoke.ArgumentsKey] = $"approve p{i}" }) }
                : new EventContent { Text = $"Q{i}: " + Text(random.Next(3, 60)), PlatformMessageId = $"m{i}" });
            switch (random.Next(10))
            {
                case < 4:
                    Add(EventRoles.Assistant, new EventContent
                    {
                        Text = $"A{i}: " + Text(random.Next(5, 120)),
                        Buttons = random.Next(3) == 0 ? [new MessageButton("Show more", "/more", new Dictionary<string, string> { ["q"] = $"{i}" })] : null,
                    });
                    break;
                case < 7:
                    var calls = Enumerable.Range(0, random.Next(1, 3)).Select(k => new ToolCallRecord($"c{i}-{k}", "get_transactions", $$"""{"period":"{{Text(1)}}","limit":{{k + 10}}}""")).ToList();
                    Add(EventRoles.Assistant, new EventContent { ToolCalls = calls });
                    foreach (var call in calls)
                    {
                        Add(EventRoles.Tool, new EventContent { ToolResult = new ToolResultRecord(call.Id, call.Name, $$"""{"count":{{random.Next(40)}},"note":"{{Text(random.Next(1, 40))}}"}""", false) });
                    }
                    Add(EventRoles.Assistant, new EventContent { Text = $"A{i}: " + Text(random.Next(5, 60)) });
                    break;
                case < 9:
                    var task = $"Analyse {Text(4)}";
                    Add(EventRoles.Assistant, new EventContent { ToolCalls = [new ToolCallRecord($"d{i}", "delegate", $$"""{"task":"{{task}}"}""")] });
                    Add(EventRoles.Assistant, new EventContent { ToolCalls = [new ToolCallRecord($"s{i}", "get_transactions", "{}")], Subagent = task });
                    Add(EventRoles.Tool, new EventContent { ToolResult = new ToolResultRecord($"s{i}", "get_transactions", Text(random.Next(50, 400)), false), Subagent = task });
                    Add(EventRoles.Assistant, new EventContent { Text = "Sub-agent: " + Text(30), Subagent = task });
                    Add(EventRoles.Tool, new EventContent { ToolResult = new ToolResultRecord($"d{i}", "delegate", $$"""{"result":"{{Text(20)}}","steps":2}""", false) });
                    Add(EventRoles.Assistant, new EventContent { Text = $"A{i}: " + Text(random.Next(5, 60)) });
                    break;
                default:
                    // A restart interrupted this step: one of two calls has its result, the other none.
                    Add(EventRoles.Assistant, new EventContent { ToolCalls = [new ToolCallRecord($"x{i}", "get_balances", "{}"), new ToolCallRecord($"y{i}", "get_holdings", "not json")] });
                    Add(EventRoles.Tool, new EventContent { ToolResult = new ToolResultRecord($"x{i}", "get_balances", """{"total":10}""", false) });
                    break;
            }
        }
        return events;
    }
}
