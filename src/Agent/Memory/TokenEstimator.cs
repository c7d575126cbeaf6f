namespace Bot.Agent.Memory;

/// <summary>
/// A provider-neutral token estimate: about four characters a token for English text, plus a small overhead per
/// message. It errs on the high side, so a prompt built under the budget stays under it.
/// </summary>
public static class TokenEstimator
{
    public const int PerMessageOverhead = 6;

    public static int Estimate(string? text) => string.IsNullOrEmpty(text) ? 0 : (text.Length + 2) / 3;
}
