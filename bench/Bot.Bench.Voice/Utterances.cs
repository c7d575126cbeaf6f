namespace Bot.Bench.Voice;

/// <summary>The spoken commands of the benchmark: what is said, and the command it must become.</summary>
internal static class Utterances
{
    /// <summary>Symbols the benchmark's person holds (besides the common ones the grammar always knows).</summary>
    public static readonly string[] Held = ["VTI", "BND", "SCHD", "VXUS"];

    public static readonly (string Spoken, string Command)[] All =
    [
        // Trades: amounts, symbols by name and letter by letter, limit prices said the way prices are said.
        ("buy ten shares of apple limit one ninety", "/buy 10 AAPL limit 190"),
        ("sell five shares of microsoft limit four ten", "/sell 5 MSFT limit 410"),
        ("buy twenty v. t. i.", "/buy 20 VTI market"),
        ("sell three hundred b. n. d. limit seventy two", "/sell 300 BND limit 72"),
        ("buy one tesla", "/buy 1 TSLA market"),
        ("buy fifteen shares of nvidia at one twenty", "/buy 15 NVDA limit 120"),
        ("sell two shares of amazon limit one eighty five", "/sell 2 AMZN limit 185"),
        ("buy forty two shares of google limit one sixty", "/buy 42 GOOGL limit 160"),
        ("buy seven s. c. h. d. limit twenty eight", "/buy 7 SCHD limit 28"),
        ("sell twelve v. x. u. s. limit sixty one", "/sell 12 VXUS limit 61"),
        ("buy one hundred and fifty shares of s. p. y. limit five hundred", "/buy 150 SPY limit 500"),
        ("buy three shares of meta limit five fifty", "/buy 3 META limit 550"),
        ("sell eight shares of tesla limit six hundred", "/sell 8 TSLA limit 600"),
        ("buy sixty shares of q. q. q.", "/buy 60 QQQ market"),
        ("buy two thousand shares of v. o. o. limit four ninety nine", "/buy 2000 VOO limit 499"),
        ("sell ninety nine shares of apple", "/sell 99 AAPL market"),
        // Looking things up.
        ("show my portfolio", "/portfolio"),
        ("how is my portfolio doing", "/portfolio"),
        ("show me my balances", "/balances"),
        ("account balances", "/balances"),
        ("quote apple", "/quote AAPL"),
        ("what is the price of microsoft", "/quote MSFT"),
        ("price of v. t. i.", "/quote VTI"),
        ("show my transactions", "/transactions"),
        ("show my transactions for the last thirty days", "/transactions 30d"),
        ("transactions last month", "/transactions last-month"),
        ("show me my transactions this month", "/transactions this-month"),
        // Alerts and recurring buys.
        ("alert me when apple goes below one eighty", "/alert AAPL below 180"),
        ("alert me when tesla goes above three hundred", "/alert TSLA above 300"),
        ("alert microsoft below four hundred", "/alert MSFT below 400"),
        ("invest five hundred dollars in v. t. i. monthly on the first", "/dca 500 VTI monthly 1"),
        ("invest two hundred dollars in b. n. d. weekly on friday", "/dca 200 BND weekly fri"),
        ("invest fifty dollars in apple daily", "/dca 50 AAPL daily"),
        ("invest one thousand dollars in s. c. h. d. monthly on the fifteenth", "/dca 1000 SCHD monthly 15"),
        // Schedules.
        ("schedule my portfolio weekdays at eight a.m.", "/schedule weekdays 08:00 /portfolio"),
        ("schedule my balances daily at six thirty p.m.", "/schedule daily 18:30 /balances"),
        ("schedule my portfolio on monday at nine o'clock", "/schedule mon 09:00 /portfolio"),
        ("schedule balances every day at seven fifteen a.m.", "/schedule daily 07:15 /balances"),
        // The rest of the command set.
        ("show my schedules", "/schedules"),
        ("show my strategies", "/strategies"),
        ("show my threads", "/threads"),
        ("new thread", "/new"),
        ("help", "/help"),
        ("show my usage", "/usage"),
    ];
}
