using System.Reflection;
using System.Xml.Linq;
using Bot.Tests.Support;

namespace Bot.Tests.Unit.Architecture;

/// <summary>
/// The layers' references point one way (README, "Architecture"): Storage ← Pipeline ← Agent ← Finance, Scheduling ← Strategies;
/// Channels know only the Pipeline; only the host knows everyone. Checked twice: in the project files (what may be
/// referenced) and in the compiled assemblies (what is actually used, transitive references included).
/// </summary>
public class LayerDirectionTests
{
    /// <summary>Each layer and the layers it may use. The host may use all of them.</summary>
    public static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        ["Bot.Storage"] = [],
        ["Bot.Pipeline"] = ["Bot.Storage"],
        ["Bot.Agent"] = ["Bot.Pipeline", "Bot.Storage"],
        ["Bot.Finance"] = ["Bot.Agent", "Bot.Pipeline", "Bot.Storage"],
        ["Bot.Scheduling"] = ["Bot.Agent", "Bot.Pipeline", "Bot.Storage"],
        ["Bot.Channels"] = ["Bot.Pipeline", "Bot.Storage"],
        ["Bot.Strategies"] = ["Bot.Finance", "Bot.Scheduling", "Bot.Agent", "Bot.Pipeline", "Bot.Storage"],
        ["Bot.Speech"] = ["Bot.Pipeline", "Bot.Storage"],
    };

    private static readonly Dictionary<string, string> ProjectFiles = new(StringComparer.Ordinal)
    {
        ["Bot.Storage"] = "src/Storage/Bot.Storage.csproj",
        ["Bot.Pipeline"] = "src/Pipeline/Bot.Pipeline.csproj",
        ["Bot.Agent"] = "src/Agent/Bot.Agent.csproj",
        ["Bot.Finance"] = "src/Finance/Bot.Finance.csproj",
        ["Bot.Scheduling"] = "src/Scheduling/Bot.Scheduling.csproj",
        ["Bot.Channels"] = "src/Channels/Bot.Channels.csproj",
        ["Bot.Strategies"] = "src/Strategies/Bot.Strategies.csproj",
        ["Bot.Speech"] = "src/Speech/Bot.Speech.csproj",
    };

    public static TheoryData<string> Layers => [.. Allowed.Keys];

    [Theory]
    [MemberData(nameof(Layers))]
    public void A_layer_uses_only_the_layers_below_it(string layer)
    {
        var used = Assembly.Load(layer).GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(IsOurs)
            .ToList();
        var wrong = used.Except(Allowed[layer]).ToList();
        Assert.True(wrong.Count == 0, $"{layer} uses {string.Join(", ", wrong)}, which it may not (it may use: {Describe(Allowed[layer])}).");
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void A_project_references_only_the_layers_below_it(string layer)
    {
        var project = XDocument.Load(Path.Combine(RepoPaths.Root, ProjectFiles[layer]));
        var referenced = project.Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))
            .ToList();
        var wrong = referenced.Except(Allowed[layer]).ToList();
        Assert.True(wrong.Count == 0, $"{ProjectFiles[layer]} references {string.Join(", ", wrong)}, which it may not (it may use: {Describe(Allowed[layer])}).");
    }

    [Fact]
    public void Every_project_under_src_is_a_known_layer_or_the_host()
    {
        var projects = Directory.GetFiles(Path.Combine(RepoPaths.Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Select(Path.GetFileNameWithoutExtension)
            .Where(name => name != "BotHost")
            .ToList();
        Assert.Equal(Allowed.Keys.Order(StringComparer.Ordinal), projects.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_check_itself_sees_a_wrong_reference()
    {
        // The host uses every layer, which no layer may: proof the assembly check reads real references.
        var host = Assembly.Load("BotHost").GetReferencedAssemblies().Select(a => a.Name!).Where(IsOurs).ToList();
        Assert.Contains("Bot.Channels", host);
        Assert.Contains("Bot.Finance", host);
        Assert.DoesNotContain("Bot.Channels", Allowed["Bot.Finance"]);
    }

    private static bool IsOurs(string assembly) => assembly.StartsWith("Bot.", StringComparison.Ordinal) || assembly == "BotHost";

    private static string Describe(string[] layers) => layers.Length == 0 ? "none of ours" : string.Join(", ", layers);
}
