using System.Text.Json;
using Bot.Pipeline.Model;
using Bot.Channels.BotFramework;
using Bot.Channels.Teams;

namespace Bot.Tests.Unit.Teams;

/// <summary>The Teams mapper against activities shaped as Teams sends them.</summary>
public class TeamsMapperTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private static Activity Parse(string json) => JsonSerializer.Deserialize<Activity>(json, ActivityJson.Options)!;

    private const string Personal = """
        {"text":"/portfolio","textFormat":"plain","type":"message","timestamp":"2026-11-21T09:59:58.123Z","localTimestamp":"2026-11-21T10:59:58.123+01:00",
         "id":"1732183198123","channelId":"msteams","serviceUrl":"https://smba.trafficmanager.net/emea/",
         "from":{"id":"29:1abcDEF","name":"Ada Lovelace","aadObjectId":"6c1f0f0a-0000-4000-8000-000000000001"},
         "conversation":{"conversationType":"personal","tenantId":"tenant-1","id":"a:1xyzPERSONAL"},
         "recipient":{"id":"28:bot-app-id","name":"Finance bot"},"entities":[{"locale":"en-GB","country":"GB","platform":"Web","timezone":"Europe/Berlin","type":"clientInfo"}],
         "channelData":{"tenant":{"id":"tenant-1"}},"locale":"en-GB","localTimezone":"Europe/Berlin"}
        """;

    private const string ChannelPost = """
        {"text":"<at>Finance bot</at> /balances","type":"message","id":"1732183200000","channelId":"msteams","serviceUrl":"https://smba.trafficmanager.net/emea/",
         "from":{"id":"29:1abcDEF","name":"Ada Lovelace","aadObjectId":"6c1f0f0a-0000-4000-8000-000000000001"},
         "conversation":{"isGroup":true,"conversationType":"channel","tenantId":"tenant-1","id":"19:abc@thread.tacv2;messageid=1732183100000"},
         "recipient":{"id":"28:bot-app-id","name":"Finance bot"},
         "entities":[{"mentioned":{"id":"28:bot-app-id","name":"Finance bot"},"text":"<at>Finance bot</at>","type":"mention"}],
         "channelData":{"teamsChannelId":"19:abc@thread.tacv2","teamsTeamId":"19:team@thread.tacv2","channel":{"id":"19:abc@thread.tacv2"},"team":{"id":"19:team@thread.tacv2"},"tenant":{"id":"tenant-1"}}}
        """;

    [Fact]
    public void A_personal_chat_message_uses_the_conversation_with_a_current_thread()
    {
        var incoming = TeamsMapper.ToIncoming(Parse(Personal), Now)!;
        Assert.Equal(new ConversationAddress("teams", "a:1xyzPERSONAL"), incoming.Address);
        Assert.Equal(ThreadMode.CurrentThreadPointer, incoming.ThreadMode);
        Assert.Equal("1732183198123", incoming.EventId);
        Assert.Equal("6c1f0f0a-0000-4000-8000-000000000001", incoming.From.PlatformUserId);
        Assert.Equal("/portfolio", incoming.Text);
        Assert.False(incoming.IsGroup);
        Assert.Equal("Europe/Berlin", incoming.TimeZone);
        var reference = TeamsMapper.ReadReference(incoming.ConversationReference!)!;
        Assert.Equal("https://smba.trafficmanager.net/emea/", reference.ServiceUrl);
        Assert.Equal("a:1xyzPERSONAL", reference.ConversationId);
        Assert.Equal("28:bot-app-id", reference.BotId);
    }

    [Fact]
    public void A_reply_names_the_message_it_answers_in_replyToId()
    {
        var incoming = TeamsMapper.ToIncoming(Parse(Personal), Now)!;
        Assert.Equal("1732183198123", incoming.PlatformMessageId);
        var turn = new Bot.Pipeline.TurnContext(incoming, new Bot.Storage.Entities.ChatThread(), new Bot.Storage.Entities.Conversation { Channel = "teams", Address = "a:1xyzPERSONAL" }, Guid.NewGuid());
        var reply = turn.Reply("Your portfolio");
        var reference = TeamsMapper.ReadReference(incoming.ConversationReference!)!;
        var activity = JsonSerializer.SerializeToNode(TeamsMapper.ToActivity(reply, reference), ActivityJson.Options)!;
        Assert.Equal("1732183198123", activity["replyToId"]!.GetValue<string>());

        // A message nobody wrote (a welcome, a schedule's firing) answers nothing.
        var unprompted = JsonSerializer.SerializeToNode(TeamsMapper.ToActivity(new OutgoingMessage { Text = "Good morning" }, reference), ActivityJson.Options)!;
        Assert.Null(unprompted["replyToId"]);
    }

    [Fact]
    public void A_channel_reply_chain_is_one_thread_and_the_mention_is_stripped()
    {
        var incoming = TeamsMapper.ToIncoming(Parse(ChannelPost), Now)!;
        Assert.Equal("19:abc@thread.tacv2;messageid=1732183100000", incoming.Address.ConversationId);
        Assert.Equal(ThreadMode.ConversationIsThread, incoming.ThreadMode);
        Assert.True(incoming.IsGroup);
        Assert.Equal("/balances", incoming.Text);
    }

    [Fact]
    public void A_new_channel_post_starts_its_own_reply_chain()
    {
        var post = Parse(ChannelPost.Replace(";messageid=1732183100000", "", StringComparison.Ordinal));
        Assert.Equal("19:abc@thread.tacv2;messageid=1732183200000", TeamsMapper.ToIncoming(post, Now)!.Address.ConversationId);
    }

    [Fact]
    public void A_channel_post_without_a_mention_of_the_bot_is_ignored()
    {
        var post = Parse(ChannelPost.Replace("\"id\":\"28:bot-app-id\",\"name\":\"Finance bot\"},\"text\"", "\"id\":\"29:someone-else\",\"name\":\"Bob\"},\"text\"", StringComparison.Ordinal));
        Assert.Null(TeamsMapper.ToIncoming(post, Now));
    }

    [Fact]
    public void Action_Submit_value_becomes_an_action()
    {
        var submit = Parse("""
            {"type":"message","id":"f:123","channelId":"msteams","serviceUrl":"https://smba.trafficmanager.net/emea/",
             "from":{"id":"29:1abcDEF","aadObjectId":"aad-1"},"conversation":{"conversationType":"personal","id":"a:1xyz"},
             "recipient":{"id":"28:bot-app-id"},"value":{"action":"/plan","args":"approve P1 abc123"},"channelData":{"postBack":true}}
            """);
        var incoming = TeamsMapper.ToIncoming(submit, Now)!;
        Assert.Null(incoming.Text);
        Assert.Equal("/plan", incoming.Action!.Name);
        Assert.Equal("approve P1 abc123", incoming.Action.Data["args"]);
    }

    [Fact]
    public void An_Action_Execute_invoke_names_its_verb_and_data()
    {
        var invoke = Parse("""
            {"type":"invoke","name":"adaptiveCard/action","id":"f:456","channelId":"msteams","serviceUrl":"https://smba.trafficmanager.net/emea/",
             "from":{"id":"29:1abcDEF","aadObjectId":"aad-1"},"conversation":{"conversationType":"personal","id":"a:1xyz"},"recipient":{"id":"28:bot-app-id"},
             "value":{"action":{"type":"Action.Execute","verb":"plan.approve","data":{"action":"/plan","args":"approve P1 abc123"}},"trigger":"manual"}}
            """);
        var action = TeamsMapper.CardAction(invoke)!;
        Assert.Equal("plan.approve", action.Verb);
        Assert.Equal("/plan", action.Action.Name);
    }

    [Fact]
    public void An_Action_Execute_invoke_is_recorded_as_the_clickers_action_on_the_cards_message()
    {
        var invoke = Parse("""
            {"type":"invoke","name":"adaptiveCard/action","id":"f:456","replyToId":"1732183300000","channelId":"msteams","serviceUrl":"https://smba.trafficmanager.net/emea/",
             "from":{"id":"29:1abcDEF","aadObjectId":"aad-1"},"conversation":{"conversationType":"personal","tenantId":"tenant-1","id":"a:1xyz"},"recipient":{"id":"28:bot-app-id"},
             "value":{"action":{"type":"Action.Execute","verb":"plan.approve","data":{"action":"/plan","args":"approve P1 abc123"}},"trigger":"manual"}}
            """);
        var incoming = TeamsMapper.CardActionIncoming(invoke, TeamsMapper.CardAction(invoke)!, Now)!;
        Assert.Equal(new ConversationAddress("teams", "a:1xyz"), incoming.Address);
        Assert.Equal("f:456", incoming.EventId);
        Assert.Equal("aad-1", incoming.From.PlatformUserId);
        Assert.Null(incoming.Text);
        Assert.Equal("/plan", incoming.Action!.Name);
        Assert.Equal("approve P1 abc123", incoming.Action.Data["args"]);
        Assert.Equal("1732183300000", incoming.ReplyToPlatformMessageId);
        Assert.Null(incoming.HandledOutcome);
    }

    [Fact]
    public void A_personal_chat_reference_names_the_user_so_a_missing_conversation_can_be_opened()
    {
        var reference = TeamsMapper.ReadReference(TeamsMapper.ToIncoming(Parse(Personal), Now)!.ConversationReference!)!;
        Assert.Equal("29:1abcDEF", reference.UserId);
        Assert.False(reference.NeedsConversation);

        // Without a conversation id the reference still reaches the user, by opening the 1:1 chat.
        var withoutConversation = TeamsMapper.ReadReference("""{"serviceUrl":"https://smba.trafficmanager.net/emea/","tenantId":"tenant-1","botId":"28:bot-app-id","userId":"29:1abcDEF"}""")!;
        Assert.True(withoutConversation.NeedsConversation);
        Assert.Equal(string.Empty, withoutConversation.ConversationId);
        // Neither a conversation nor a user: nobody to send to.
        Assert.Null(TeamsMapper.ReadReference("""{"serviceUrl":"https://smba.trafficmanager.net/emea/","botId":"28:bot-app-id"}"""));

        // Group chats and channels never name a user: their messages must not turn into a private chat.
        var channel = TeamsMapper.ReadReference(TeamsMapper.ToIncoming(Parse(ChannelPost), Now)!.ConversationReference!)!;
        Assert.Null(channel.UserId);
    }

    [Fact]
    public void Stream_updates_and_the_final_message_carry_streaminfo_as_Teams_documents_it()
    {
        var reference = new TeamsConversationReference("https://smba.trafficmanager.net/emea/", "a:1xyz", "tenant-1", "28:bot-app-id", "Finance bot", "29:1abcDEF");
        var first = JsonSerializer.SerializeToNode(TeamsMapper.StreamUpdate(reference, "Bonds **suit**", 1, null), ActivityJson.Options)!;
        Assert.Equal("typing", first["type"]!.GetValue<string>());
        Assert.Equal("Bonds **suit**", first["text"]!.GetValue<string>());
        Assert.Equal("personal", first["conversation"]!["conversationType"]!.GetValue<string>());
        Assert.Equal("""[{"type":"streaminfo","streamType":"streaming","streamSequence":1}]""", first["entities"]!.ToJsonString());

        var next = JsonSerializer.SerializeToNode(TeamsMapper.StreamUpdate(reference, "Bonds **suit** money", 2, "1732183400000"), ActivityJson.Options)!;
        Assert.Equal("""[{"type":"streaminfo","streamId":"1732183400000","streamType":"streaming","streamSequence":2}]""", next["entities"]!.ToJsonString());

        var final = JsonSerializer.SerializeToNode(
            TeamsMapper.EndingStream(TeamsMapper.ToActivity(new OutgoingMessage { Text = "Bonds **suit** money you need later." }, reference), "1732183400000"), ActivityJson.Options)!;
        Assert.Equal("message", final["type"]!.GetValue<string>());
        Assert.Equal("personal", final["conversation"]!["conversationType"]!.GetValue<string>());
        // The final message names the stream and carries no sequence (Teams refuses one there).
        Assert.Equal("""[{"type":"streaminfo","streamId":"1732183400000","streamType":"final"}]""", final["entities"]!.ToJsonString());
    }

    [Fact]
    public void The_bot_added_to_a_conversation_gets_a_welcome()
    {
        var update = Parse("""
            {"type":"conversationUpdate","id":"f:789","channelId":"msteams","serviceUrl":"https://smba.trafficmanager.net/emea/",
             "from":{"id":"29:1abcDEF","aadObjectId":"aad-1"},"conversation":{"conversationType":"personal","id":"a:1xyz"},"recipient":{"id":"28:bot-app-id"},
             "membersAdded":[{"id":"28:bot-app-id"}]}
            """);
        Assert.True(TeamsMapper.BotWasAdded(update));
        var welcome = TeamsMapper.Welcome(update, Now)!;
        Assert.Equal("/start", welcome.Text);
        Assert.Equal("welcome:f:789", welcome.EventId);
        Assert.Null(welcome.PlatformMessageId);
    }

    [Fact]
    public void Long_text_is_cut_to_the_Teams_size_limit()
    {
        var text = new string('é', 40_000);
        var cut = TeamsMapper.ToTeamsMarkdown(text)!;
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(cut) <= TeamsMapper.MaxTextBytes);
        Assert.EndsWith("too long for Teams)", cut, StringComparison.Ordinal);
        Assert.Equal("**short**", TeamsMapper.ToTeamsMarkdown("**short**"));
    }
}
