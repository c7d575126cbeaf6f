namespace Bot.Speech;

/// <summary>Numbers as words, both ways: the grammar's number rules and reading recognised words back to a value.</summary>
public static class SpokenNumbers
{
    internal static readonly string[] Digits = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
    internal static readonly string[] Teens = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"];
    internal static readonly string[] Tens = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
    internal static readonly string[] Ordinals =
    [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
        "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth",
    ];

    public static bool IsNumberWord(string word) =>
        Digits.Contains(word) || Teens.Contains(word) || Tens.Contains(word) || word is "hundred" or "thousand" or "and" or "zero";

    private static int? Small(string word)
    {
        var i = Array.IndexOf(Digits, word);
        if (i >= 0)
        {
            return i + 1;
        }
        i = Array.IndexOf(Teens, word);
        if (i >= 0)
        {
            return i + 10;
        }
        i = Array.IndexOf(Tens, word);
        return i >= 0 ? (i + 2) * 10 : null;
    }

    /// <summary>
    /// Reads number words from WORDS at POSITION: "ten" 10, "one hundred and five" 105, "two thousand" 2000, and the
    /// way prices are said when PAIRS: "one ninety" 190, "four ten" 410, "one eighty five" 185. Advances POSITION.
    /// </summary>
    public static int? Read(IReadOnlyList<string> words, ref int position, bool pairs)
    {
        var start = position;
        var value = ReadBelowThousand(words, ref position, pairs);
        if (value is null)
        {
            position = start;
            return null;
        }
        if (position < words.Count && words[position] == "thousand" && value < 1000)
        {
            position++;
            var thousands = value.Value * 1000;
            var afterThousand = position;
            var rest = ReadBelowThousand(words, ref position, pairs: false);
            if (rest is null)
            {
                position = afterThousand;
                return thousands;
            }
            return thousands + rest;
        }
        return value;
    }

    private static int? ReadBelowThousand(IReadOnlyList<string> words, ref int position, bool pairs)
    {
        var first = position < words.Count ? Small(words[position]) : null;
        if (first is null)
        {
            return null;
        }
        position++;
        if (first < 10 && position < words.Count && words[position] == "hundred")
        {
            position++;
            var hundreds = first.Value * 100;
            var save = position;
            var and = position < words.Count && words[position] == "and";
            if (and)
            {
                position++;
            }
            var rest = ReadBelowHundred(words, ref position);
            // As the grammar says it: "hundred and eight", "hundred twenty", but no bare "hundred eight".
            if (rest is null || (rest < 10 && !and))
            {
                position = save;
                return hundreds;
            }
            return hundreds + rest;
        }
        if (first is >= 20 && first % 10 == 0 && position < words.Count && Small(words[position]) is { } unit && unit < 10)
        {
            position++;
            return first + unit;
        }
        if (pairs && first < 10 && position < words.Count && Small(words[position]) is >= 10)
        {
            var rest = ReadBelowHundred(words, ref position)!;
            return first * 100 + rest;
        }
        return first;
    }

    private static int? ReadBelowHundred(IReadOnlyList<string> words, ref int position)
    {
        var first = position < words.Count ? Small(words[position]) : null;
        if (first is null)
        {
            return null;
        }
        position++;
        if (first is >= 20 && first % 10 == 0 && position < words.Count && Small(words[position]) is { } unit && unit < 10)
        {
            position++;
            return first + unit;
        }
        return first;
    }

    /// <summary>"first" 1 … "twentieth" 20, "twenty first" 21 … "thirty first" 31; advances POSITION.</summary>
    public static int? ReadOrdinal(IReadOnlyList<string> words, ref int position)
    {
        if (position >= words.Count)
        {
            return null;
        }
        var index = Array.IndexOf(Ordinals, words[position]);
        if (index >= 0)
        {
            position++;
            return index + 1;
        }
        if (words[position] == "thirtieth")
        {
            position++;
            return 30;
        }
        if (words[position] is "twenty" or "thirty" && position + 1 < words.Count)
        {
            var unit = Array.IndexOf(Ordinals, words[position + 1]);
            var tens = words[position] == "twenty" ? 20 : 30;
            if (unit is >= 0 and < 9 && tens + unit + 1 <= 31)
            {
                position += 2;
                return tens + unit + 1;
            }
        }
        return null;
    }
}
