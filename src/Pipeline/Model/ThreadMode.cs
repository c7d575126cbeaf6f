using System.Text.Json.Serialization;

namespace Bot.Pipeline.Model;

/// <summary>How a conversation maps to threads on its channel.</summary>
public enum ThreadMode
{
    /// <summary>The platform conversation is the thread (a Direct Line conversation). New threads come from the client.</summary>
    ConversationIsThread,
    /// <summary>The conversation has a current thread that <c>/new</c> replaces (a Telegram or Teams private chat).</summary>
    CurrentThreadPointer,
    /// <summary>The platform has threads of its own, named by <see cref="ConversationAddress.ThreadKey"/> (Slack, forum topics).</summary>
    PlatformThreads,
}
