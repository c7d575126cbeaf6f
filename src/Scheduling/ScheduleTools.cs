using System.ComponentModel;
using System.Security.Cryptography;
using System.Text;
using Bot.Agent.Tools;
using Microsoft.Extensions.AI;

namespace Bot.Scheduling;

/// <summary>
/// <c>create_schedule</c>, <c>list_schedules</c>, <c>pause_schedule</c>, <c>resume_schedule</c> and
/// <c>delete_schedule</c>, always for the user of the turn; a new schedule delivers to the turn's conversation.
/// </summary>
public sealed class ScheduleTools(ScheduleService schedules) : IToolProvider
{
    public IEnumerable<AIFunction> GetTools(ToolContext context)
    {
        yield return AIFunctionFactory.Create(
            async ([Description("When to run: a cron expression, either five Unix fields (minute hour day-of-month month day-of-week, e.g. \"0 8 * * 1-5\" for weekdays at 08:00) or Quartz's six or seven fields (seconds first).")] string cron,
                   [Description("What to do at each run, as an instruction to yourself (e.g. \"Give me a short briefing on my portfolio\"), or a command such as \"/portfolio\".")] string prompt,
                   [Description("A short title; each run's thread is named after it.")] string title,
                   [Description("The IANA time zone the cron is read in (e.g. \"Europe/Berlin\"). Empty to use the user's remembered zone; if that is unknown, ask the user.")] string? time_zone,
                   CancellationToken cancellationToken) =>
            {
                if (!ScheduleParser.TryParseCron(cron ?? string.Empty, out var expression, out var error))
                {
                    return (object)new ToolError(error!);
                }
                var zoneId = string.IsNullOrWhiteSpace(time_zone) ? await schedules.TimeZoneOfAsync(context.UserId, cancellationToken) : time_zone;
                if (zoneId is null)
                {
                    return new ToolError("The user's time zone is not known. Ask the user for it (an IANA name such as Europe/Berlin) and pass it as time_zone.");
                }
                if (!TimeZones.TryFind(zoneId, out var zone, out var iana))
                {
                    return new ToolError($"'{zoneId}' is not an IANA time zone. Use a name such as Europe/Berlin or America/New_York.");
                }
                if (!string.IsNullOrWhiteSpace(time_zone))
                {
                    await schedules.RememberTimeZoneAsync(context.UserId, iana, onlyIfUnknown: true, cancellationToken);
                }
                var text = prompt?.Trim() ?? string.Empty;
                var name = string.IsNullOrWhiteSpace(title) ? ScheduleParser.TitleFor(text) : title.Trim();
                var rule = new ScheduleWhen(expression!.CronExpressionString, null, $"on cron `{expression.CronExpressionString}`").In(zone, iana);
                var result = await schedules.CreateAsync(context.UserId, context.ConversationId, name, text, rule, SourceKey(context, name, rule), cancellationToken);
                return result.Created is { } created
                    ? new { id = created.Code, created.Schedule.Title, rule = created.Rule.Description, time_zone = created.Rule.ZoneId, next_run = created.NextRun is { } next ? created.Rule.Local(next) : null }
                    : new ToolError(result.Error!);
            },
            "create_schedule",
            "Creates a schedule that runs the prompt at the cron times and sends the answer to this chat, each run in a new thread titled after the schedule. Use it when the user asks for a recurring message (\"every weekday at 8 send me a briefing\").");

        yield return AIFunctionFactory.Create(
            async (CancellationToken cancellationToken) =>
                (await schedules.ListAsync(context.UserId, cancellationToken)).Select(v => new
                {
                    id = v.Code,
                    v.Schedule.Title,
                    v.Schedule.Prompt,
                    rule = v.Rule.Description,
                    time_zone = v.Rule.ZoneId,
                    state = ScheduleMarkdown.State(v),
                    last_run = ScheduleMarkdown.LastRun(v),
                }).ToList(),
            "list_schedules",
            "Lists the user's schedules with their ids, rules, next run and the outcome of the last run.");

        yield return Manage("pause_schedule", "Pauses one of the user's schedules (by the id list_schedules gives).",
            async (id, ct) => await schedules.PauseAsync(context.UserId, id, ct) is not null);
        yield return Manage("resume_schedule", "Resumes a paused schedule from now on (missed runs are not caught up).",
            async (id, ct) => await schedules.ResumeAsync(context.UserId, id, ct) is not null);
        yield return Manage("delete_schedule", "Deletes one of the user's schedules for good.",
            (id, ct) => schedules.DeleteAsync(context.UserId, id, ct));

        AIFunction Manage(string name, string description, Func<Guid, CancellationToken, Task<bool>> action) => AIFunctionFactory.Create(
            async ([Description("The schedule's id, as list_schedules gives it.")] string id, CancellationToken cancellationToken) =>
            {
                var schedule = await schedules.FindAsync(context.UserId, id ?? string.Empty, cancellationToken);
                if (schedule is null)
                {
                    return (object)new ToolError($"No schedule of this user has the id '{id}'. Call list_schedules for the ids.");
                }
                return await action(schedule.Id, cancellationToken) ? new { done = true, schedule.Title } : new ToolError("That schedule is gone.");
            },
            name,
            description);
    }

    /// <summary>The same call in a turn that is run again after a crash finds the schedule it created the first time.</summary>
    private static string SourceKey(ToolContext context, string title, ScheduleRule rule)
    {
        var message = context.Turn.Message;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{title}\n{rule.Fingerprint(DateTimeOffset.UnixEpoch)}"));
        return $"{message.Address.Channel}:{message.EventId}:{Convert.ToHexStringLower(hash)[..16]}";
    }
}
