using System.Text;

namespace Bot.Pipeline.Model;

/// <summary>A card as Markdown: the text fallback of every card, and what channels without native cards show.</summary>
public static class CardMarkdown
{
    public static string Render(Card card)
    {
        var text = new StringBuilder();
        if (card.Notice is { } notice)
        {
            text.Append("**").Append(notice).Append("**\n\n");
        }
        text.Append("**").Append(card.Title).Append("**");
        var header = Header(card);
        if (header.Length > 0)
        {
            text.Append(" — ").Append(header);
        }
        text.Append("\n\n");
        foreach (var item in card.Items)
        {
            text.Append("- ").Append(item).Append('\n');
        }
        if (card.Body is { Length: > 0 } body)
        {
            text.Append('\n').Append(body).Append('\n');
        }
        foreach (var note in card.Notes)
        {
            text.Append("\n_").Append(note).Append('_');
        }
        if ((card.Outcome ?? card.Footer) is { } last)
        {
            text.Append("\n\n").Append(last);
        }
        return text.ToString().TrimEnd();
    }

    /// <summary>The status and labels on one line: <c>Waiting for your approval · paper broker · plan k3x9q2mz</c>.</summary>
    public static string Header(Card card) =>
        string.Join(" · ", (card.Status is null ? card.Labels : card.Labels.Prepend(card.Status)).Where(s => s.Length > 0));
}
