namespace Bot.Pipeline.Model;

/// <summary>
/// A card with buttons, rendered natively by each channel: an Adaptive Card (Teams, web chat), Block Kit (Slack), HTML
/// with an inline keyboard (Telegram). Channels know cards, not what a card is about: a feature builds them (a trade
/// plan is one). A settled card has an <see cref="Outcome"/> and no buttons, so nobody is offered a live button on a
/// decided card.
/// </summary>
public sealed record Card
{
    /// <summary>What the card shows, stable across redraws (<c>plan:k3x9q2mz</c>); Slack names the card's button block by it.</summary>
    public required string Key { get; init; }

    public required string Title { get; init; }

    /// <summary>The state in a few words (<c>Waiting for your approval</c>).</summary>
    public string? Status { get; init; }

    /// <summary>Short labels shown beside the status (<c>paper broker (paper, no real money)</c>, <c>plan k3x9q2mz</c>).</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>The card's lines, in order (one per order of a plan).</summary>
    public IReadOnlyList<string> Items { get; init; } = [];

    /// <summary>A paragraph of plain text (a plan's rationale).</summary>
    public string? Body { get; init; }

    /// <summary>Small print, one line each (risk notes).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Small print at the end while the card is open (when it expires, what happens on a click).</summary>
    public string? Footer { get; init; }

    /// <summary>How it ended; set once the card is settled.</summary>
    public string? Outcome { get; init; }

    /// <summary>A warning shown above everything (why a click changed nothing).</summary>
    public string? Notice { get; init; }

    public IReadOnlyList<CardButton> Buttons { get; init; } = [];
}

/// <summary>
/// A button on a card. Pressing it sends <see cref="Action"/> with <see cref="Arguments"/>, the same
/// <see cref="ActionInvoke"/> on every channel, routed to the action's registered handler. <see cref="Verb"/> names
/// the button (<c>plan.approve</c>: Adaptive Card verb, Slack action id); <see cref="Confirm"/> asks before acting
/// where the channel can.
/// </summary>
public sealed record CardButton(string Label, string Verb, string Action, string Arguments, bool Destructive = false, string? Confirm = null)
{
    /// <summary>The press as the pipeline receives it: the action and its argument string.</summary>
    public ActionInvoke ToInvoke() => new(Action, new Dictionary<string, string> { [ActionInvoke.ArgumentsKey] = Arguments });
}
