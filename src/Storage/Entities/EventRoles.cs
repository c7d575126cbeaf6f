namespace Bot.Storage.Entities;

public static class EventRoles
{
    public const string User = "user";
    public const string Assistant = "assistant";
    public const string Tool = "tool";
    public const string System = "system";
}
