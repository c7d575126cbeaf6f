using Bot.Pipeline.People;

namespace Bot.Scheduling;

/// <summary>A person's schedules in their overview: title, when it runs, and its state.</summary>
public sealed class SchedulesSummary(ScheduleService schedules) : IPersonSummarySource
{
    public int Order => 20;

    public async Task<PersonSummarySection?> DescribeAsync(Guid userId, int max, CancellationToken cancellationToken)
    {
        var views = await schedules.ListAsync(userId, cancellationToken);
        return views.Count == 0
            ? null
            : new PersonSummarySection("Schedules", views.Take(max)
                .Select(view => $"{view.Schedule.Title} (#{view.Code}): {view.Rule.Description}. {ScheduleMarkdown.State(view)}")
                .ToList());
    }
}
