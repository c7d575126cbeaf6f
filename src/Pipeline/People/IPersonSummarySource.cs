namespace Bot.Pipeline.People;

/// <summary>One part of a person's overview (their open trade plans, their schedules), as lines of plain text.</summary>
public sealed record PersonSummarySection(string Title, IReadOnlyList<string> Lines);

/// <summary>
/// A feature's contribution to a person's overview, such as Slack's App Home. Channels may not know the features (the
/// layer rule), so each feature registers a source and a channel lists whatever is registered, in <see cref="Order"/>.
/// </summary>
public interface IPersonSummarySource
{
    int Order { get; }

    /// <summary>The section for <paramref name="userId"/>, at most <paramref name="max"/> lines; null when there is nothing to say.</summary>
    Task<PersonSummarySection?> DescribeAsync(Guid userId, int max, CancellationToken cancellationToken);
}
