using System.Globalization;
using System.Text;

namespace Bot.Speech;

/// <summary>
/// The spoken forms of the bot's commands, as a JSGF grammar for the recogniser and as the reading of recognised words
/// back into the command: "buy ten shares of apple limit one ninety" is <c>/buy 10 AAPL limit 190</c>. Pure: the
/// symbols the person holds come in, text comes out. Every phrase the grammar accepts, <see cref="Interpret"/> reads.
/// </summary>
public static class CommandGrammar
{
    private static readonly string[] Weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday"];

    /// <summary>The JSGF grammar for SYMBOLS (those not speakable are left out; the common ones are always in).</summary>
    public static string Build(IEnumerable<string> symbols)
    {
        var forms = Symbols(symbols).SelectMany(SpokenSymbols.FormsOf).Distinct().ToList();
        var ordinals = string.Join(" | ", SpokenNumbers.Ordinals.Append("thirtieth")
            .Concat(SpokenNumbers.Ordinals.Take(9).Select(o => "twenty " + o)).Append("thirty first"));
        var text = new StringBuilder();
        text.AppendLine("#JSGF V1.0;");
        text.AppendLine("grammar bot;");
        text.AppendLine("public <command> = <trade> | <portfolio> | <balances> | <quote> | <alert> | <dca> | <schedule> | <transactions> | <simple>;");
        text.AppendLine("<trade> = (buy | sell) <quantity> [shares [of]] <symbol> [(limit | at) <price>];");
        text.AppendLine("<portfolio> = [show [me] my] portfolio | how is my portfolio [doing];");
        text.AppendLine("<balances> = [show [me] my] [account] balances;");
        text.AppendLine("<quote> = quote <symbol> | [what is the] price of <symbol>;");
        text.AppendLine("<alert> = alert [me] [when] <symbol> [goes | is] (below | above) <price>;");
        text.AppendLine("<dca> = invest <quantity> [dollars] in <symbol> (daily | every day | weekly on <weekday> | monthly on the <ordinal>);");
        text.AppendLine("<schedule> = schedule [my] (portfolio | balances) (daily | every day | weekdays | every weekday | on <weekday>) at <hour> [<minute> | o'clock] [a.m. | p.m.];");
        text.AppendLine("<transactions> = [show [me] my] transactions [this month | last month | [for] [the] last thirty days | [for] [the] last ninety days];");
        text.AppendLine("<simple> = help | new thread | [show [me] my] threads | [show [me] my] schedules | [show [me] my] strategies | [show [me] my] usage;");
        text.AppendLine("<symbol> = " + string.Join(" | ", forms) + ";");
        text.AppendLine("<weekday> = " + string.Join(" | ", Weekdays) + ";");
        text.AppendLine("<ordinal> = " + ordinals + ";");
        text.AppendLine("<hour> = <digit> | ten | eleven | twelve;");
        text.AppendLine("<minute> = fifteen | thirty | forty five | oh five | ten | twenty | fifty;");
        text.AppendLine("<quantity> = <below1000> | <digit> thousand [<below1000>];");
        text.AppendLine("<price> = <quantity> | <digit> (<teen> | <tens> [<digit>]);");
        // "four hundred and eight", not "four hundred eight": a bare digit after "hundred" was heard where there was none.
        text.AppendLine("<below1000> = <below100> | <digit> hundred [and <digit> | [and] (<teen> | <tens> [<digit>])];");
        text.AppendLine("<below100> = <digit> | <teen> | <tens> [<digit>];");
        text.AppendLine("<digit> = " + string.Join(" | ", SpokenNumbers.Digits) + ";");
        text.AppendLine("<teen> = " + string.Join(" | ", SpokenNumbers.Teens) + ";");
        text.AppendLine("<tens> = " + string.Join(" | ", SpokenNumbers.Tens) + ";");
        return text.ToString();
    }

    private static IEnumerable<string> Symbols(IEnumerable<string> held) =>
        SpokenSymbols.Common.Concat(held.Select(s => s.Trim().ToUpperInvariant())).Where(SpokenSymbols.IsSpeakable).Distinct(StringComparer.Ordinal);

    /// <summary>Splits a hypothesis into lower-case words.</summary>
    public static IReadOnlyList<string> Words(string hypothesis) =>
        hypothesis.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The text to show for WORDS: spelled symbols joined ("v. t. i." is VTI).</summary>
    public static string Display(IReadOnlyList<string> words)
    {
        var output = new List<string>();
        var letters = new StringBuilder();
        foreach (var word in words)
        {
            if (word.Length == 2 && word[1] == '.' && char.IsAsciiLetter(word[0]))
            {
                letters.Append(char.ToUpperInvariant(word[0]));
                continue;
            }
            if (letters.Length > 0)
            {
                output.Add(letters.ToString());
                letters.Clear();
            }
            output.Add(word);
        }
        if (letters.Length > 0)
        {
            output.Add(letters.ToString());
        }
        return string.Join(' ', output);
    }

    /// <summary>The command WORDS say, or null when they are not a whole command of the grammar.</summary>
    public static string? Interpret(IReadOnlyList<string> words, IEnumerable<string> symbols)
    {
        if (words.Count == 0)
        {
            return null;
        }
        var reader = new Reader(words, Symbols(symbols).ToList());
        var command = reader.Command();
        return command is not null && reader.AtEnd ? command : null;
    }

    private sealed class Reader(IReadOnlyList<string> words, List<string> symbols)
    {
        private int position;

        public bool AtEnd => position == words.Count;

        private string? Peek => position < words.Count ? words[position] : null;

        private bool Take(string word)
        {
            if (Peek == word)
            {
                position++;
                return true;
            }
            return false;
        }

        private bool TakeAll(params string[] sequence)
        {
            for (var i = 0; i < sequence.Length; i++)
            {
                if (position + i >= words.Count || words[position + i] != sequence[i])
                {
                    return false;
                }
            }
            position += sequence.Length;
            return true;
        }

        private void ShowMeMy()
        {
            if (Take("show"))
            {
                Take("me");
                Take("my");
            }
        }

        public string? Command()
        {
            var first = Peek;
            switch (first)
            {
                case "buy" or "sell":
                    position++;
                    return Trade(first);
                case "quote":
                    position++;
                    return Symbol() is { } quoted ? "/quote " + quoted : null;
                case "what" or "price":
                    if (TakeAll("what", "is", "the") || Peek == "price")
                    {
                        return Take("price") && Take("of") && Symbol() is { } priced ? "/quote " + priced : null;
                    }
                    return null;
                case "alert":
                    position++;
                    return Alert();
                case "invest":
                    position++;
                    return Dca();
                case "schedule":
                    position++;
                    return Schedule();
                case "help":
                    position++;
                    return "/help";
                case "new":
                    position++;
                    return Take("thread") ? "/new" : null;
                case "how":
                    return TakeAll("how", "is", "my", "portfolio") && (Take("doing") || AtEnd) ? "/portfolio" : null;
            }
            ShowMeMy();
            var mine = Peek;
            position++;
            switch (mine)
            {
                case "portfolio":
                    return "/portfolio";
                case "account":
                    return Take("balances") ? "/balances" : null;
                case "balances":
                    return "/balances";
                case "threads":
                    return "/threads";
                case "schedules":
                    return "/schedules";
                case "strategies":
                    return "/strategies";
                case "usage":
                    return "/usage";
                case "transactions":
                    return Transactions();
            }
            return null;
        }

        private string? Trade(string side)
        {
            var quantity = SpokenNumbers.Read(words, ref position, pairs: false);
            if (quantity is null)
            {
                return null;
            }
            if (Take("shares"))
            {
                Take("of");
            }
            var symbol = Symbol();
            if (symbol is null)
            {
                return null;
            }
            if (Take("limit") || Take("at"))
            {
                var price = SpokenNumbers.Read(words, ref position, pairs: true);
                return price is null ? null : Invariant($"/{side} {quantity} {symbol} limit {price}");
            }
            return Invariant($"/{side} {quantity} {symbol} market");
        }

        private string? Alert()
        {
            Take("me");
            Take("when");
            var symbol = Symbol();
            if (symbol is null)
            {
                return null;
            }
            if (!Take("goes"))
            {
                Take("is");
            }
            var direction = Peek;
            if (direction is not ("below" or "above"))
            {
                return null;
            }
            position++;
            var price = SpokenNumbers.Read(words, ref position, pairs: true);
            return price is null ? null : Invariant($"/alert {symbol} {direction} {price}");
        }

        private string? Dca()
        {
            var amount = SpokenNumbers.Read(words, ref position, pairs: false);
            if (amount is null)
            {
                return null;
            }
            Take("dollars");
            if (!Take("in") || Symbol() is not { } symbol)
            {
                return null;
            }
            if (Take("daily") || TakeAll("every", "day"))
            {
                return Invariant($"/dca {amount} {symbol} daily");
            }
            if (TakeAll("weekly", "on") && Weekday() is { } day)
            {
                return Invariant($"/dca {amount} {symbol} weekly {day}");
            }
            if (TakeAll("monthly", "on", "the") && SpokenNumbers.ReadOrdinal(words, ref position) is { } date)
            {
                return Invariant($"/dca {amount} {symbol} monthly {date}");
            }
            return null;
        }

        private string? Schedule()
        {
            Take("my");
            var what = Peek switch { "portfolio" => "/portfolio", "balances" => "/balances", _ => null };
            if (what is null)
            {
                return null;
            }
            position++;
            string? when = null;
            if (Take("daily") || TakeAll("every", "day"))
            {
                when = "daily";
            }
            else if (Take("weekdays") || TakeAll("every", "weekday"))
            {
                when = "weekdays";
            }
            else if (Take("on") && Weekday() is { } day)
            {
                when = day;
            }
            if (when is null || !Take("at"))
            {
                return null;
            }
            var hourIndex = position;
            var hour = SpokenNumbers.Read(words, ref position, pairs: false);
            if (hour is null or > 12 || position - hourIndex != 1)
            {
                return null;
            }
            var minute = 0;
            if (!Take("o'clock"))
            {
                if (TakeAll("oh", "five"))
                {
                    minute = 5;
                }
                else if (Peek is { } next && SpokenNumbers.Tens.Concat(SpokenNumbers.Teens).Contains(next))
                {
                    minute = SpokenNumbers.Read(words, ref position, pairs: false) ?? 0;
                }
            }
            if (Take("p.m.") && hour < 12)
            {
                hour += 12;
            }
            else if (Take("a.m.") && hour == 12)
            {
                hour = 0;
            }
            return Invariant($"/schedule {when} {hour:00}:{minute:00} {what}");
        }

        private string? Transactions()
        {
            if (AtEnd)
            {
                return "/transactions";
            }
            if (TakeAll("this", "month"))
            {
                return "/transactions this-month";
            }
            if (TakeAll("last", "month"))
            {
                return "/transactions last-month";
            }
            Take("for");
            Take("the");
            if (TakeAll("last", "thirty", "days"))
            {
                return "/transactions 30d";
            }
            return TakeAll("last", "ninety", "days") ? "/transactions 90d" : null;
        }

        private string? Weekday()
        {
            var index = Peek is { } word ? Array.IndexOf(Weekdays, word) : -1;
            if (index < 0)
            {
                return null;
            }
            position++;
            return Weekdays[index][..3];
        }

        /// <summary>The longest spoken form of a known symbol at the current position.</summary>
        private string? Symbol()
        {
            string? best = null;
            var bestLength = 0;
            foreach (var symbol in symbols)
            {
                foreach (var form in SpokenSymbols.FormsOf(symbol))
                {
                    var formWords = form.Split(' ');
                    if (formWords.Length > bestLength && position + formWords.Length <= words.Count
                        && formWords.Select((w, i) => words[position + i] == w).All(x => x))
                    {
                        best = symbol;
                        bestLength = formWords.Length;
                    }
                }
            }
            position += bestLength;
            return best;
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
