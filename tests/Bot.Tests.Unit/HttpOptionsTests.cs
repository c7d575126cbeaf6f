using Bot.BotHost.Hosting;

namespace Bot.Tests.Unit;

public class HttpOptionsTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://localhost:5080", true)]
    [InlineData("http://[::1]:5080", true)]
    [InlineData("http://127.0.0.1:5080;http://[::1]:5081", true)]
    [InlineData("http://0.0.0.0:5080", false)]
    [InlineData("http://*:5080", false)]
    [InlineData("http://+:5080", false)]
    [InlineData("http://192.0.2.10:5080", false)]
    [InlineData("http://127.0.0.1:5080;http://0.0.0.0:5081", false)]
    public void Loopback_only_is_detected(string urls, bool loopback)
    {
        var parsed = new HttpOptions { Urls = urls }.ParseUrls();
        Assert.Equal(loopback, HttpOptions.IsLoopbackOnly(parsed));
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:21")]
    [InlineData("not a url")]
    [InlineData(" ; ")]
    public void Bad_urls_name_the_setting(string urls)
    {
        var error = Assert.Throws<StartupConfigurationException>(() => new HttpOptions { Urls = urls }.ParseUrls());
        Assert.Contains("Http:Urls", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(301)]
    public void A_shutdown_timeout_out_of_range_names_the_setting(int seconds)
    {
        var error = Assert.Throws<StartupConfigurationException>(() => new HttpOptions { ShutdownTimeoutSeconds = seconds }.ShutdownTimeout());
        Assert.Contains("Http:ShutdownTimeoutSeconds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shutdown_timeout_is_15_seconds_unless_set() =>
        Assert.Equal(TimeSpan.FromSeconds(15), new HttpOptions().ShutdownTimeout());
}
