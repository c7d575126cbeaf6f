using System.Globalization;
using System.Text;
using Bot.Agent.Memory;
using Microsoft.Extensions.AI;

namespace Bot.Agent.Llm;

/// <summary>The system prompt: the date, the rules, what is remembered about the user (private chats only), the thread summary, the tools.</summary>
public static class SystemPrompt
{
    public static string Build(DateTimeOffset now, string channel, bool isGroup, IReadOnlyList<MemoryItem> memories, string? summary, IReadOnlyList<AIFunction> tools)
    {
        var prompt = new StringBuilder();
        prompt.Append(CultureInfo.InvariantCulture, $"You are a personal finance assistant, chatting on {channel}. Today is {now:dddd, d MMMM yyyy}, {now:HH:mm} UTC.\n\n");
        prompt.Append(
            """
            Rules:
            - You read the user's bank and brokerage data through your tools; never invent figures. If a tool fails, say what failed.
            - You never execute a trade yourself. You may only propose a trade plan; the user approves or declines it with a button, and only then is anything sent to the broker. Say so when asked to trade.
            - Say when data comes from the demo bank or the paper broker.
            - Be concise. Use Markdown lists or tables when they help. Give amounts with their currency.
            - Use `remember` for durable facts or preferences the user would want kept (risk tolerance, goals, base currency); never for one-off questions.

            """);
        if (isGroup)
        {
            prompt.Append("This is a group conversation: do not reveal anyone's personal financial details or remembered facts here; suggest a private chat for those.\n\n");
        }
        else if (memories.Count > 0)
        {
            prompt.Append("What you remember about the user:\n");
            foreach (var memory in memories)
            {
                prompt.Append(CultureInfo.InvariantCulture, $"- {memory.Content} ({memory.Kind})\n");
            }
            prompt.Append('\n');
        }
        if (!string.IsNullOrWhiteSpace(summary))
        {
            prompt.Append("Summary of the earlier part of this thread:\n").Append(summary.Trim()).Append("\n\n");
        }
        if (tools.Count > 0)
        {
            prompt.Append("Your tools:\n");
            foreach (var tool in tools)
            {
                prompt.Append(CultureInfo.InvariantCulture, $"- {tool.Name}: {tool.Description}\n");
            }
        }
        return prompt.ToString().TrimEnd();
    }
}
