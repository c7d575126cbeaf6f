using Bot.Scheduling;

namespace Bot.Tests.Unit.Scheduling;

/// <summary>The <c>/schedule</c> argument: when, zone, title and prompt, and what a malformed one is told.</summary>
public class ScheduleParserTests
{
    private static ScheduleCommandRequest.Create Created(string argument) =>
        Assert.IsType<ScheduleCommandRequest.Create>(ScheduleParser.Parse(argument));

    private static string Error(string argument) =>
        Assert.IsType<ScheduleCommandRequest.Invalid>(ScheduleParser.Parse(argument)).Error;

    [Theory]
    [InlineData("weekdays 08:00 Europe/Berlin portfolio briefing", "0 0 8 ? * MON-FRI", "weekdays at 08:00")]
    [InlineData("daily 18:30 weekly review", "0 30 18 ? * *", "every day at 18:30")]
    [InlineData("every day at 7am news", "0 0 7 ? * *", "every day at 07:00")]
    [InlineData("weekends 10:15 markets", "0 15 10 ? * SAT,SUN", "weekends at 10:15")]
    [InlineData("mon,wed,fri 6:30pm gym budget", "0 30 18 ? * MON,WED,FRI", "on Mon, Wed, Fri at 18:30")]
    [InlineData("mon-fri 8am x", "0 0 8 ? * MON,TUE,WED,THU,FRI", "weekdays at 08:00")]
    [InlineData("fri-mon 9:00 x", "0 0 9 ? * SUN,MON,FRI,SAT", "on Sun, Mon, Fri, Sat at 09:00")]
    [InlineData("Tuesdays thursday at 12:00 lunch", "0 0 12 ? * TUE,THU", "on Tue, Thu at 12:00")]
    [InlineData("every monday 9 am review", "0 0 9 ? * MON", "on Mon at 09:00")]
    [InlineData("sunday 12am x", "0 0 0 ? * SUN", "on Sun at 00:00")]
    [InlineData("daily 12pm x", "0 0 12 ? * *", "every day at 12:00")]
    [InlineData("daily 18h x", "0 0 18 ? * *", "every day at 18:00")]
    [InlineData("hourly /quote AAPL", "0 0 * * * ?", "every hour, on the hour")]
    public void Calendar_rules_become_quartz_cron(string argument, string cron, string description)
    {
        var request = Created(argument);
        Assert.Equal(cron, request.When.Cron);
        Assert.Null(request.When.Interval);
        Assert.Equal(description, request.When.Description);
        Assert.True(request.When.NeedsZone);
    }

    [Theory]
    [InlineData("every 30m x", 30 * 60, "every 30 minutes")]
    [InlineData("every 30 minutes x", 30 * 60, "every 30 minutes")]
    [InlineData("every 2h x", 2 * 3600, "every 2 hours")]
    [InlineData("every 1 hour x", 3600, "every hour")]
    [InlineData("every 1s x", 1, "every second")]
    [InlineData("every 90s x", 90, "every 90 seconds")]
    [InlineData("every 3d x", 3 * 86400, "every 3 days")]
    public void Intervals_need_no_zone(string argument, int seconds, string description)
    {
        var request = Created(argument);
        Assert.Equal(TimeSpan.FromSeconds(seconds), request.When.Interval);
        Assert.Null(request.When.Cron);
        Assert.Equal(description, request.When.Description);
        Assert.False(request.When.NeedsZone);
    }

    [Fact]
    public void Cron_takes_five_unix_fields_or_a_quoted_quartz_expression()
    {
        var unix = Created("cron 0 8 * * 1-5 Europe/Berlin Morning: /balances");
        Assert.Equal("0 0 8 ? * MON-FRI", unix.When.Cron);
        Assert.Equal("Europe/Berlin", unix.ZoneId);
        Assert.Equal("Morning", unix.Title);
        Assert.Equal("/balances", unix.Prompt);

        var quartz = Created("cron \"15 30 9 ? * MON-FRI\" UTC /portfolio");
        Assert.Equal("15 30 9 ? * MON-FRI", quartz.When.Cron);
        Assert.Equal("UTC", quartz.ZoneId);
        Assert.Equal("/portfolio", quartz.Prompt);
        Assert.Equal("Portfolio", quartz.Title);

        var backticks = Created("cron `0 0 12 1 * ?` rent check");
        Assert.Equal("0 0 12 1 * ?", backticks.When.Cron);
        Assert.Equal("rent check", backticks.Prompt);
    }

    [Theory]
    [InlineData("europe/berlin", "Europe/Berlin")]
    [InlineData("America/New_York", "America/New_York")]
    [InlineData("utc", "UTC")]
    [InlineData("Asia/Kolkata", "Asia/Kolkata")]
    public void Zones_are_iana_names_found_regardless_of_case(string zone, string canonical)
    {
        var request = Created($"daily 08:00 {zone} /portfolio");
        Assert.Equal(canonical, request.ZoneId);
        Assert.Equal("/portfolio", request.Prompt);
    }

    [Fact]
    public void Without_a_zone_the_request_says_so_and_keeps_the_whole_prompt()
    {
        var request = Created("daily 08:00 portfolio briefing");
        Assert.Null(request.ZoneId);
        Assert.Equal("portfolio briefing", request.Prompt);
        Assert.Equal("Portfolio briefing", request.Title);
    }

    [Fact]
    public void A_title_before_a_colon_names_the_schedule()
    {
        var request = Created("weekdays 08:00 Europe/Berlin Morning briefing: Summarise my portfolio and any big moves");
        Assert.Equal("Morning briefing", request.Title);
        Assert.Equal("Summarise my portfolio and any big moves", request.Prompt);
        // A command prompt is never split, colon or not.
        Assert.Equal("/quote AAPL: x", Created("daily 09:00 /quote AAPL: x").Prompt);
    }

    [Theory]
    [InlineData("weekdays 25:00 Europe/Berlin x", "`25:00` is not a time of day: the hour goes from 00 to 23.")]
    [InlineData("daily 8:75 x", "`8:75` is not a time of day: the minutes go from 00 to 59.")]
    [InlineData("daily 13pm x", "`13pm` is not a time of day: with am or pm the hour goes from 1 to 12.")]
    [InlineData("daily noon x", "`noon` is not a time of day. Write it as `08:00`, `18:30`, `8am` or `6:30pm`.")]
    [InlineData("daily 8 x", "`8` is not a time of day. Write it as `08:00`, `18:30`, `8am` or `6:30pm`.")]
    public void Bad_times_say_what_was_wrong(string argument, string error) => Assert.Equal(error, Error(argument));

    [Fact]
    public void A_missing_time_is_asked_for() =>
        Assert.StartsWith("At what time weekdays?", Error("weekdays"), StringComparison.Ordinal);

    [Fact]
    public void An_unknown_zone_is_named_with_examples()
    {
        var error = Error("daily 08:00 Europe/Berln briefing");
        Assert.StartsWith("`Europe/Berln` is not a time zone I know.", error, StringComparison.Ordinal);
        Assert.Contains("Europe/Berlin", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cron 0 8 * * MON-XYZ x", "is not a cron expression I can read")]
    [InlineData("cron 61 8 * * * x", "is not a cron expression I can read")]
    [InlineData("cron \"0 8 * *\" x", "it has 4 fields")]
    [InlineData("cron 0 8 *", "A cron expression has five fields")]
    [InlineData("cron \"0 0 8 ? * MON", "has no closing \"")]
    [InlineData("cron", "`cron` needs an expression")]
    public void Bad_cron_says_what_was_wrong(string argument, string part) =>
        Assert.Contains(part, Error(argument), StringComparison.Ordinal);

    [Theory]
    [InlineData("every 0m x", "`every 0` needs a whole number above zero.")]
    [InlineData("every 5 fortnights x", "`fortnights` is not a unit I know for an interval: use `s`, `m`, `h` or `d` (seconds, minutes, hours, days).")]
    [InlineData("every 5", "Every 5 what? Add a unit: `every 5m` (minutes), `5h` (hours), `5d` (days) or `5s` (seconds).")]
    [InlineData("every 400d x", "The longest interval is a year; for rarer messages use `cron`.")]
    public void Bad_intervals_say_what_was_wrong(string argument, string error) => Assert.Equal(error, Error(argument));

    [Fact]
    public void Unknown_days_and_rules_are_refused_with_the_syntax()
    {
        Assert.StartsWith("`mon-funday` is not a day I know.", Error("mon-funday 08:00 x"), StringComparison.Ordinal);
        var error = Error("tomorrow 08:00 x");
        Assert.StartsWith("I couldn't tell when to send it from `tomorrow`.", error, StringComparison.Ordinal);
        Assert.Contains("/schedule WHEN [TIME ZONE] [TITLE:] WHAT", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_to_send_is_refused()
    {
        Assert.StartsWith("Say what to send every day at 08:00", Error("daily 08:00"), StringComparison.Ordinal);
        Assert.StartsWith("Say what to send", Error("daily 08:00 Europe/Berlin"), StringComparison.Ordinal);
        Assert.StartsWith("“Briefing” needs something to send after the colon", Error("daily 08:00 Briefing:"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pause a1b2c3", "pause", "a1b2c3")]
    [InlineData("resume #a1b2c3", "resume", "a1b2c3")]
    [InlineData("delete 01a1fd7f-9c4b-7558-97dd-049488876a2c", "delete", "01a1fd7f-9c4b-7558-97dd-049488876a2c")]
    [InlineData("cancel a1b2c3", "delete", "a1b2c3")]
    public void Pause_resume_and_delete_name_a_schedule(string argument, string verb, string reference)
    {
        var request = Assert.IsType<ScheduleCommandRequest.Manage>(ScheduleParser.Parse(argument));
        Assert.Equal(verb, request.Verb);
        Assert.Equal(reference, request.Reference);
    }

    [Fact]
    public void Manage_without_a_code_asks_for_one() =>
        Assert.StartsWith("Say which schedule to pause", Error("pause"), StringComparison.Ordinal);

    [Fact]
    public void Every_example_the_help_shows_parses()
    {
        var examples = ScheduleParser.Syntax.Split('\n').Where(l => l.StartsWith("- `/schedule ", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, examples.Count);
        foreach (var example in examples)
        {
            Created(example["- `/schedule ".Length..].TrimEnd('`'));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("help")]
    public void Empty_asks_for_help(string argument) => Assert.IsType<ScheduleCommandRequest.Help>(ScheduleParser.Parse(argument));
}
