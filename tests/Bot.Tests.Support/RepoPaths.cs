namespace Bot.Tests.Support;

/// <summary>Where things are in the checkout, found from the test assembly's location.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release, whichever the tests were built as (the host is built the same way with the solution).</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string HostDirectory => Path.Combine(Root, "src", "BotHost");

    public static string HostDll => Path.Combine(HostDirectory, "bin", Configuration, "net10.0", "BotHost.dll");

    public static string Peers => Path.Combine(Root, "tests", "peers");

    /// <summary>
    /// The vendors' specs (test data, never edited): <c>shared/conformance</c> beside the checkout, as CI lays it out,
    /// or wherever BOT_CONFORMANCE_DIR points.
    /// </summary>
    public static string Conformance
    {
        get
        {
            var folder = Environment.GetEnvironmentVariable("BOT_CONFORMANCE_DIR") is { Length: > 0 } configured
                ? configured
                : Path.GetFullPath(Path.Combine(Root, "..", "shared", "conformance"));
            return Directory.Exists(folder)
                ? folder
                : throw new DirectoryNotFoundException(
                    $"The vendor specs are not at {folder}. They live in shared/conformance beside the checkout; set BOT_CONFORMANCE_DIR to use another place.");
        }
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Bot.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Bot.sln not found above " + AppContext.BaseDirectory);
    }
}
