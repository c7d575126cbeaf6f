using System.Text.Json;
using Bot.Tests.Support;

namespace Bot.Tests.Integration.Deployment;

/// <summary>
/// <c>deploy/</c> checked offline (no container runtime or cluster runs here) by <c>tests/peers/validate-deploy.mjs</c>:
/// the Kubernetes manifests against the Kubernetes API's schemas (npm kubernetes-models), compose.yaml against the
/// Compose Specification's schema, the Dockerfile through the Docker language server's parser, and what they must say
/// (non-root, read-only root filesystem, health probes, the key file from a secret, no secret written down). A broken
/// copy shows the check names what is wrong.
/// </summary>
public class DeploymentManifestTests
{
    private static string DeployFolder => Path.Combine(RepoPaths.Root, "deploy");

    [Fact]
    public async Task The_Dockerfile_compose_file_and_Kubernetes_manifests_are_valid_and_consistent()
    {
        var (valid, checkedItems, problems, output) = await ValidateAsync(DeployFolder);
        Assert.True(valid, output);
        Assert.Empty(problems);
        Assert.Contains(checkedItems, c => c.StartsWith("kubernetes/deployment.yaml (apps/v1/Deployment", StringComparison.Ordinal));
        Assert.Contains(checkedItems, c => c.StartsWith("kubernetes/hpa.yaml (autoscaling/v2/HorizontalPodAutoscaler", StringComparison.Ordinal));
        Assert.Contains(checkedItems, c => c.StartsWith("kubernetes/pdb.yaml (policy/v1/PodDisruptionBudget", StringComparison.Ordinal));
        Assert.Contains(checkedItems, c => c.StartsWith("compose.yaml (postgres, bot-1, bot-2)", StringComparison.Ordinal));
        Assert.Contains(checkedItems, c => c.StartsWith("Dockerfile (3 stages", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_broken_copy_is_refused_with_each_problem_named()
    {
        var copy = Directory.CreateTempSubdirectory("deploy-broken-");
        try
        {
            CopyFolder(DeployFolder, copy.FullName);
            Edit(copy, "kubernetes/deployment.yaml", ("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false"), ("replicas: 2", "replicas: two"));
            Edit(copy, "kubernetes/configmap.yaml", ("  Http__Urls:", "  Slack__BotToken: \"not-a-real-token\"\n  Http__Urls:"));
            Edit(copy, "compose.yaml", ("  read_only: true\n", ""), ("  bot-2:", "  bot-2:\n    privileged: maybe"));
            Edit(copy, "Dockerfile", ("USER 1654:1654", "USER root"), ("    ASPNETCORE_ENVIRONMENT=Production", "    ASPNETCORE_ENVIRONMENT=Production \\\n    Web__AccessKey=baked-in"));

            var (valid, _, problems, output) = await ValidateAsync(copy.FullName);
            Assert.False(valid, output);
            Assert.Contains(problems, p => p.StartsWith("kubernetes/deployment.yaml: apps/v1/Deployment", StringComparison.Ordinal) && p.Contains("replicas", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.Contains("read-only root filesystem", StringComparison.Ordinal) && p.StartsWith("kubernetes/deployment.yaml", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.Contains("Slack__BotToken", StringComparison.Ordinal) && p.Contains("belongs in a Secret", StringComparison.Ordinal));
            Assert.DoesNotContain("not-a-real-token", output, StringComparison.Ordinal);
            Assert.Contains(problems, p => p.StartsWith("compose.yaml: Compose Specification", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.StartsWith("compose.yaml: bot-1 must have a read-only root filesystem", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.StartsWith("Dockerfile: the final stage must switch to a non-root USER", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.StartsWith("Dockerfile: line", StringComparison.Ordinal) && p.Contains("bakes a secret", StringComparison.Ordinal));
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    private static async Task<(bool Valid, List<string> Checked, List<string> Problems, string Output)> ValidateAsync(string folder)
    {
        var run = await NodeScript.RunAsync("validate-deploy.mjs", [folder], TimeSpan.FromSeconds(120));
        var line = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "{}";
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.True(root.TryGetProperty("valid", out var valid), run.StandardOutput + run.StandardError);
        Assert.Equal(valid.GetBoolean() ? 0 : 1, run.ExitCode);
        return (valid.GetBoolean(),
            root.GetProperty("checked").EnumerateArray().Select(e => e.GetString()!).ToList(),
            root.GetProperty("problems").EnumerateArray().Select(e => e.GetString()!).ToList(),
            run.StandardOutput);
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static void Edit(DirectoryInfo folder, string file, params (string From, string To)[] edits)
    {
        var path = Path.Combine(folder.FullName, file);
        var text = File.ReadAllText(path);
        foreach (var (from, to) in edits)
        {
            Assert.Contains(from, text, StringComparison.Ordinal);
            text = text.Replace(from, to, StringComparison.Ordinal);
        }
        File.WriteAllText(path, text);
    }
}
