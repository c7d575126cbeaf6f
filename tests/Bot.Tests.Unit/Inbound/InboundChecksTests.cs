using System.Text;
using Bot.Channels.Access;
using Bot.Pipeline;
using Bot.Pipeline.Model;

namespace Bot.Tests.Unit.Inbound;

public class InboundChecksTests
{
    private static IncomingMessage Message(string text = "hi") => new()
    {
        Address = new ConversationAddress("teams", "a:conversation-1", null),
        EventId = "1700000000000",
        From = new Sender("29:user-1", "Ada"),
        Text = text,
    };

    [Fact]
    public void A_well_formed_message_passes_unchanged()
    {
        var message = Message();
        Assert.Same(message, InboundChecks.Checked(message, 100));
    }

    [Theory]
    [InlineData("conversation id")]
    [InlineData("event id")]
    [InlineData("sender id")]
    [InlineData("thread id")]
    public void An_id_longer_than_the_bound_is_refused_naming_the_field(string field)
    {
        var huge = new string('x', 10_000);
        var message = field switch
        {
            "conversation id" => Message() with { Address = new ConversationAddress("teams", huge) },
            "event id" => Message() with { EventId = huge },
            "sender id" => Message() with { From = new Sender(huge) },
            _ => Message() with { Address = new ConversationAddress("teams", "a:1", huge) },
        };
        var refused = Assert.Throws<InboundRefusedException>(() => InboundChecks.Checked(message, 100));
        Assert.Equal($"the {field} is longer than {InboundChecks.MaxIdLength} characters", refused.Reason);
        Assert.DoesNotContain("xxx", refused.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("with space")]
    [InlineData("tab\there")]
    [InlineData("nul\0")]
    [InlineData("caf\u00e9")]
    [InlineData("")]
    public void An_id_with_characters_an_id_cannot_have_is_refused(string id)
    {
        Assert.Throws<InboundRefusedException>(() => InboundChecks.Checked(Message() with { EventId = id }, 100));
    }

    [Fact]
    public void The_longest_id_is_accepted()
    {
        var id = new string('7', InboundChecks.MaxIdLength);
        Assert.Equal(id, InboundChecks.Checked(Message() with { EventId = id }, 100).EventId);
    }

    [Fact]
    public void Text_over_the_limit_is_kept_only_as_a_note_of_its_length()
    {
        var checkedMessage = InboundChecks.Checked(Message(new string('a', 10_001)), 10_000);
        Assert.Equal(10_001, checkedMessage.OmittedTextLength);
        Assert.Equal("[a message of 10,001 characters, over the 10,000-character limit, was not kept]", checkedMessage.Text);
        Assert.Contains("10,000", InboundChecks.TooLongReply(10_001, 10_000), StringComparison.Ordinal);
    }

    [Fact]
    public void Text_at_the_limit_is_kept()
    {
        var text = new string('a', 10_000);
        Assert.Equal(text, InboundChecks.Checked(Message(text), 10_000).Text);
    }

    [Fact]
    public void A_display_name_is_cut_and_loses_control_characters_rather_than_refusing_the_message()
    {
        var checkedMessage = InboundChecks.Checked(Message() with { From = new Sender("u1", "A\u0007da" + new string('n', 1_000)) }, 100);
        Assert.StartsWith("Adan", checkedMessage.From.DisplayName, StringComparison.Ordinal);
        Assert.Equal(InboundChecks.MaxDisplayNameLength, checkedMessage.From.DisplayName!.Length);
    }

    [Theory]
    [InlineData("Europe/Berlin", true)]
    [InlineData("America/Argentina/Buenos_Aires", true)]
    [InlineData("Etc/GMT+5", true)]
    [InlineData("Europe/Berlin; DROP TABLE", false)]
    [InlineData("x", true)]
    public void A_time_zone_must_look_like_an_IANA_name(string zone, bool accepted)
    {
        var check = () => InboundChecks.Checked(Message() with { TimeZone = zone }, 100);
        if (accepted)
        {
            check();
        }
        else
        {
            Assert.Throws<InboundRefusedException>(check);
        }
    }

    [Fact]
    public void Action_data_is_bounded()
    {
        var action = new ActionInvoke("/plan", new Dictionary<string, string> { ["args"] = new string('a', InboundChecks.MaxActionDataLength + 1) });
        Assert.Throws<InboundRefusedException>(() => InboundChecks.Checked(Message() with { Text = null, Action = action }, 100));
    }
}

public class RequestBodiesJsonTests
{
    [Theory]
    [InlineData("{\"a\":\"b\"}", null)]
    [InlineData("{\"a\":\"\\ud83d\\ude00\"}", null)]
    [InlineData("{\"a\":\"\\ud800\"}", "lone surrogate")]
    [InlineData("{\"\\udc00\":1}", "lone surrogate")]
    [InlineData("{\"a\":", "not valid JSON")]
    [InlineData("", "empty")]
    public void Json_must_parse_and_hold_only_valid_Unicode(string json, string? problem)
    {
        var found = RequestBodies.CheckJson(Encoding.UTF8.GetBytes(json));
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Invalid_UTF8_inside_a_string_is_refused()
    {
        byte[] json = [.. "{\"a\":\""u8, 0xc3, 0x28, .. "\"}"u8];
        Assert.Contains("UTF-8", RequestBodies.CheckJson(json), StringComparison.Ordinal);
    }

    [Fact]
    public void A_type_error_names_its_path_cut_short_and_printable()
    {
        var name = new string('k', 5_000) + "\\u0007"; // a BEL, escaped as JSON requires
        var json = Encoding.UTF8.GetBytes("{\"" + name + "\":{\"a\":1}}");
        var exception = Assert.ThrowsAny<System.Text.Json.JsonException>(() => System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(json));
        var reason = RequestBodies.DescribeJsonError(exception);
        Assert.StartsWith("the value at $.", reason, StringComparison.Ordinal);
        Assert.True(reason.Length < 200, reason);
        Assert.DoesNotContain('\u0007', reason);
    }

    [Fact]
    public void Nesting_deeper_than_64_is_refused()
    {
        Assert.NotNull(RequestBodies.CheckJson(Encoding.UTF8.GetBytes(new string('[', 65) + new string(']', 65))));
        Assert.Null(RequestBodies.CheckJson(Encoding.UTF8.GetBytes(new string('[', 64) + new string(']', 64))));
    }
}
