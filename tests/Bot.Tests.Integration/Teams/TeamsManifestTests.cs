using System.Buffers.Binary;
using System.Text.Json;
using Bot.Pipeline.Model;
using Bot.Channels.BotFramework;
using Bot.Channels.Teams;
using Bot.Tests.Support;

namespace Bot.Tests.Integration.Teams;

/// <summary>The Teams app package and what the bot sends, against Microsoft's schemas (ajv over the vendor files).</summary>
public class TeamsManifestTests
{
    private static string TeamsFolder => Path.Combine(RepoPaths.Root, "manifests", "teams");

    [Fact]
    public async Task The_manifest_is_valid_against_the_v1_30_schema()
    {
        var schema = Path.Combine(RepoPaths.Conformance, "teams", "MicrosoftTeams.schema.v1.30.json");
        var run = await NodeScript.RunAsync("validate-json.mjs", [schema, Path.Combine(TeamsFolder, "manifest.json")], TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
    }

    [Fact]
    public async Task The_package_puts_the_personal_tab_at_the_public_address_with_its_SSO_app_and_stays_valid()
    {
        var folder = Directory.CreateTempSubdirectory("teams-package-");
        try
        {
            var package = Path.Combine(folder.FullName, "app.zip");
            var start = new System.Diagnostics.ProcessStartInfo("bash", [Path.Combine(RepoPaths.Root, "bot"), "teams-package", package])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["Web__PublicBaseUrl"] = "https://money.example.org/app";
            start.Environment["Teams__TabClientId"] = "11111111-2222-3333-4444-555555555555";
            using (var process = System.Diagnostics.Process.Start(start)!)
            {
                var errors = process.StandardError.ReadToEndAsync();
                await process.StandardOutput.ReadToEndAsync();
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
                Assert.True(process.ExitCode == 0, await errors);
            }
            System.IO.Compression.ZipFile.ExtractToDirectory(package, folder.FullName);
            var manifestPath = Path.Combine(folder.FullName, "manifest.json");
            using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath));
            var tab = manifest.RootElement.GetProperty("staticTabs")[0];
            Assert.Equal("https://money.example.org/app/teams-tab.html", tab.GetProperty("contentUrl").GetString());
            Assert.Equal("personal", tab.GetProperty("scopes")[0].GetString());
            Assert.Equal("money.example.org", manifest.RootElement.GetProperty("validDomains")[0].GetString());
            var sso = manifest.RootElement.GetProperty("webApplicationInfo");
            Assert.Equal("11111111-2222-3333-4444-555555555555", sso.GetProperty("id").GetString());
            Assert.Equal("api://money.example.org/11111111-2222-3333-4444-555555555555", sso.GetProperty("resource").GetString());
            var schema = Path.Combine(RepoPaths.Conformance, "teams", "MicrosoftTeams.schema.v1.30.json");
            var run = await NodeScript.RunAsync("validate-json.mjs", [schema, manifestPath], TimeSpan.FromSeconds(60));
            Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_icon_script_draws_a_192_color_icon_and_a_32_outline()
    {
        var folder = Directory.CreateTempSubdirectory("teams-icons-");
        try
        {
            var run = await NodeScript.RunAsync(Path.Combine(TeamsFolder, "make-icons.mjs"), [folder.FullName], TimeSpan.FromSeconds(60));
            Assert.True(run.ExitCode == 0, run.StandardError);
            Assert.Equal((192, 192), PngSize(Path.Combine(folder.FullName, "color.png")));
            Assert.Equal((32, 32), PngSize(Path.Combine(folder.FullName, "outline.png")));
            Assert.Equal((192, 192), PngSize(Path.Combine(TeamsFolder, "color.png")));
            Assert.Equal((32, 32), PngSize(Path.Combine(TeamsFolder, "outline.png")));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_message_with_buttons_renders_a_valid_adaptive_card()
    {
        var reference = new TeamsConversationReference("http://127.0.0.1:1/", "a:1", null, "28:bot", "Finance bot");
        var activity = TeamsMapper.ToActivity(new OutgoingMessage
        {
            Text = "Recent threads:",
            Buttons = [new MessageButton("Resume *Budget*", "/resume", new Dictionary<string, string> { ["args"] = "abc" })],
        }, reference);
        var file = Path.Combine(Path.GetTempPath(), $"teams-card-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(activity.Attachments![0].Content, ActivityJson.Options));
        try
        {
            var run = await NodeScript.RunAsync("validate-json.mjs", [Path.Combine(RepoPaths.Conformance, "adaptivecards", "1.5.0", "adaptive-card.json"), file], TimeSpan.FromSeconds(60));
            Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0x89, bytes[0]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }
}
