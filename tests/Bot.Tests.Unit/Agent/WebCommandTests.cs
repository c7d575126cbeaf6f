using Bot.Agent.Commands;
using Bot.Pipeline;
using Bot.Pipeline.Model;
using Bot.Pipeline.SignIn;
using Bot.Storage.Entities;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bot.Tests.Unit.Agent;

/// <summary>
/// <c>/web</c> where it makes no link: in a group (the link is a credential, so only a private chat gets one), and
/// without <c>Web:PublicBaseUrl</c> (it says what to set). The database behind the links is never reached in either.
/// </summary>
public class WebCommandTests
{
    private static readonly NpgsqlDataSource Unreachable = NpgsqlDataSource.Create("Host=127.0.0.1;Port=9;Timeout=1");

    private static WebCommand Command(string? publicBaseUrl)
    {
        var options = Options.Create(new WebSignInOptions { PublicBaseUrl = publicBaseUrl });
        return new WebCommand(new WebSignInLinks(Unreachable, options, TimeProvider.System), options);
    }

    private static TurnContext Turn(bool group) => new(
        new IncomingMessage
        {
            Address = new ConversationAddress("telegram", "-100200"),
            EventId = "e1",
            From = new Sender("42", "Ada"),
            Text = "/web",
            IsGroup = group,
        },
        new ChatThread(),
        new Conversation { Channel = "telegram", Address = "-100200", IsGroup = group },
        Guid.CreateVersion7());

    [Fact]
    public async Task In_a_group_it_sends_no_link_and_says_to_ask_privately()
    {
        var turn = Turn(group: true);
        await Command("https://bot.example.com").RunAsync(turn, string.Empty, CancellationToken.None);
        var reply = Assert.Single(turn.Outgoing);
        Assert.Equal(WebCommand.PrivateOnly, reply.Text);
        Assert.DoesNotContain("/signin", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_public_address_it_names_the_setting()
    {
        var turn = Turn(group: false);
        await Command(null).RunAsync(turn, string.Empty, CancellationToken.None);
        Assert.Equal(WebCommand.NotConfigured, Assert.Single(turn.Outgoing).Text);
        Assert.Contains("Web:PublicBaseUrl", WebCommand.NotConfigured, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://bot.example.com", true)]
    [InlineData("http://127.0.0.1:5080/", true)]
    [InlineData("bot.example.com", false)]
    [InlineData("ftp://bot.example.com", false)]
    [InlineData("https://bot.example.com/?a=1", false)]
    public void The_public_address_must_be_an_absolute_http_url(string address, bool valid)
    {
        var options = new WebSignInOptions { PublicBaseUrl = address };
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        var ok = System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true);
        Assert.Equal(valid, ok);
    }
}
