using System.ComponentModel.DataAnnotations;

namespace Bot.Channels.Web;

/// <summary>Settings of the built-in web chat (section <c>Web</c>).</summary>
public sealed class WebOptions
{
    public const string Section = "Web";

    /// <summary>
    /// A shared secret that guards the web chat when it is reachable from other machines. Unset, the page has one
    /// local owner and no sign-in, which the host allows only on a loopback bind.
    /// </summary>
    public string? AccessKey { get; set; }

    /// <summary>Lifetime of a Direct Line token; clients refresh before it ends.</summary>
    [Range(1, 1440)]
    public int TokenMinutes { get; set; } = 60;

    /// <summary>The largest activity body accepted, in bytes.</summary>
    [Range(1024, 4 * 1024 * 1024)]
    public int MaxActivityBytes { get; set; } = 64 * 1024;

    /// <summary>The assistant's display name in the chat.</summary>
    [Required]
    public string BotName { get; set; } = "Finance assistant";
}
