using System.Net.Http.Headers;
using System.Text;
using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd.Slack;

/// <summary>The fake answers in the shapes Slack's own Web API spec gives its responses (the spec is stale for requests, not for these).</summary>
public class FakeSlackApiConformanceTests
{
    [Theory]
    [InlineData("/chat.postMessage", """{"channel":"D0DMANN001","text":"hi","thread_ts":"1800000000.000100"}""", "200")]
    [InlineData("/chat.postMessage", """{"channel":"D0DMANN001","text":"hi"}""", "200")]
    [InlineData("/chat.update", """{"channel":"D0DMANN001","ts":"1800000000.000100","text":"done","blocks":[]}""", "200")]
    [InlineData("/chat.postEphemeral", """{"channel":"D0DMANN001","user":"U0ANN00001","text":"not yours"}""", "200")]
    public async Task Fake_responses_match_slacks_response_schemas(string path, string request, string status)
    {
        await using var slack = FakeSlackApi.Start();
        using var http = new HttpClient();
        using var message = new HttpRequestMessage(HttpMethod.Post, slack.ApiBaseUrl + path) { Content = new StringContent(request, Encoding.UTF8, "application/json") };
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", slack.Token);
        var response = await (await http.SendAsync(message)).Content.ReadAsStringAsync();
        await AssertMatchesAsync(path, status, response);
    }

    [Fact]
    public async Task The_fakes_views_publish_answer_matches_slacks_response_schema()
    {
        await using var slack = FakeSlackApi.Start();
        using var http = new HttpClient();
        using var message = new HttpRequestMessage(HttpMethod.Post, slack.ApiBaseUrl + "/views.publish")
        {
            Content = new StringContent("""{"user_id":"U0ANN00001","view":{"type":"home","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"hi"}}]}}""", Encoding.UTF8, "application/json"),
        };
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", slack.Token);
        var response = await (await http.SendAsync(message)).Content.ReadAsStringAsync();
        // Slack's spec files views.publish under GET (the product posts JSON, which Slack's Web API takes for every method).
        await AssertMatchesAsync("/views.publish", "200", response, "get");
    }

    [Fact]
    public async Task Fake_errors_match_slacks_error_schema()
    {
        await using var slack = FakeSlackApi.Start();
        using var http = new HttpClient();
        // No token: ok:false with HTTP 200, as Slack answers.
        var response = await http.PostAsync(slack.ApiBaseUrl + "/chat.postMessage", new StringContent("""{"channel":"D0DMANN001","text":"x"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        await AssertMatchesAsync("/chat.postMessage", "default", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_injected_failure_matches_slacks_error_schema()
    {
        await using var slack = FakeSlackApi.Start();
        slack.FailPostsContaining("part two", 1);
        using var http = new HttpClient();
        using var message = new HttpRequestMessage(HttpMethod.Post, slack.ApiBaseUrl + "/chat.postMessage")
        {
            Content = new StringContent("""{"channel":"D0DMANN001","text":"the part two text"}""", Encoding.UTF8, "application/json"),
        };
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", slack.Token);
        var response = await http.SendAsync(message);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"rate_limited\"", body, StringComparison.Ordinal);
        await AssertMatchesAsync("/chat.postMessage", "default", body);
        Assert.Single(slack.Calls("chat.postMessage#failed"));
        Assert.Empty(slack.Calls("chat.postMessage"));
    }

    private static async Task AssertMatchesAsync(string path, string status, string response, string method = "post")
    {
        var file = Path.Combine(Path.GetTempPath(), $"slack-response-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, response);
        try
        {
            var spec = Path.Combine(RepoPaths.Conformance, "slack", "web-api", "slack_web_openapi_v2.json");
            var result = await NodeScript.RunAsync("validate-swagger-response.mjs", [spec, path, method, status, file], TimeSpan.FromMinutes(2));
            Assert.True(result.ExitCode == 0, $"{path} {status}: {response}\n{result.StandardOutput}{result.StandardError}");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
