using Quartz;

namespace Bot.Scheduling;

/// <summary>What a <c>/schedule</c> argument asks for.</summary>
public abstract record ScheduleCommandRequest
{
    private ScheduleCommandRequest() { }

    public sealed record Create(ScheduleWhen When, string? ZoneId, string Title, string Prompt) : ScheduleCommandRequest;

    /// <summary><c>pause</c>, <c>resume</c> or <c>delete</c> one schedule, named by its short code or id.</summary>
    public sealed record Manage(string Verb, string Reference) : ScheduleCommandRequest;

    public sealed record Help : ScheduleCommandRequest;

    /// <summary>Malformed input; <paramref name="Error"/> says what was wrong, in words for the user.</summary>
    public sealed record Invalid(string Error) : ScheduleCommandRequest;
}
