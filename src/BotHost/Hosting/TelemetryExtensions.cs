using System.Text.RegularExpressions;
using Bot.Channels.Access;
using Bot.Pipeline;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Bot.BotHost.Hosting;

/// <summary>Settings of telemetry (section <c>Telemetry</c>).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>An OTLP collector (<c>http://collector:4318</c> for HTTP/protobuf, or gRPC on 4317 with <see cref="OtlpProtocol"/>); unset, nothing is exported.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>http/protobuf</c> (default) or <c>grpc</c>.</summary>
    public string OtlpProtocol { get; set; } = "http/protobuf";

    /// <summary>Serves the metrics for a Prometheus scraper at <c>/metrics</c>, to the owner only (closed to the public).</summary>
    public bool Prometheus { get; set; }

    /// <summary>Writes the log as one JSON object per line.</summary>
    public bool JsonConsole { get; set; }

    /// <summary>The service name in every span and metric.</summary>
    public string ServiceName { get; set; } = "finance-bot";
}

/// <summary>
/// OpenTelemetry for the host: the bot's own spans and metrics (<see cref="BotTelemetry"/>), ASP.NET Core, HttpClient and
/// Npgsql, exported over OTLP when <c>Telemetry:OtlpEndpoint</c> is set and scraped at <c>/metrics</c> when
/// <c>Telemetry:Prometheus</c> is on. Telegram's Bot API carries the bot token in its URL path, so outgoing request
/// spans get their URL with the token replaced; query strings are redacted by the instrumentation; nothing records
/// message bodies.
/// </summary>
public static partial class TelemetryExtensions
{
    public const string MetricsPath = "/metrics";

    public static WebApplicationBuilder AddBotTelemetry(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (settings.OtlpEndpoint is { Length: > 0 } endpoint && !Uri.TryCreate(endpoint, UriKind.Absolute, out _))
        {
            throw new StartupConfigurationException($"Telemetry:OtlpEndpoint '{endpoint}' is not an absolute URL.");
        }
        if (settings.OtlpProtocol is not ("http/protobuf" or "grpc"))
        {
            throw new StartupConfigurationException($"Telemetry:OtlpProtocol is '{settings.OtlpProtocol}'; use http/protobuf or grpc.");
        }
        if (settings.JsonConsole)
        {
            builder.Logging.AddJsonConsole(json => json.IncludeScopes = true);
        }
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section);
        if (settings.Prometheus || settings.OtlpEndpoint is { Length: > 0 })
        {
            // The backlog gauges read the database every 15 s: only when something collects them.
            builder.Services.AddHostedService<PipelineGauges>();
        }

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(settings.ServiceName, serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId))
            .WithTracing(tracing => tracing
                // With nowhere to send spans, none are recorded: sampled out at the source, they cost next to nothing.
                .SetSampler(settings.OtlpEndpoint is { Length: > 0 } ? new ParentBasedSampler(new AlwaysOnSampler()) : new AlwaysOffSampler())
                .AddSource(BotTelemetry.Name)
                .AddSource("Npgsql")
                .AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = context => !context.Request.Path.StartsWithSegments("/health") && !context.Request.Path.StartsWithSegments(MetricsPath))
                .AddHttpClientInstrumentation(http => http.EnrichWithHttpRequestMessage = (activity, request) =>
                {
                    if (request.RequestUri is { } uri)
                    {
                        activity.SetTag("url.full", RedactUrl(uri));
                    }
                }))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(BotTelemetry.Name, "Npgsql", "Microsoft.Extensions.AI")
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation();
                if (settings.Prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
            });
        if (settings.OtlpEndpoint is { Length: > 0 })
        {
            otel.UseOtlpExporter(settings.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf, new Uri(settings.OtlpEndpoint));
        }
        return builder;
    }

    public static WebApplication MapBotTelemetry(this WebApplication app)
    {
        if (app.Configuration.GetValue<bool>($"{TelemetryOptions.Section}:{nameof(TelemetryOptions.Prometheus)}"))
        {
            // Metrics name channels, models and volumes: for the operator, not the public (the web chat owner's policy).
            app.MapPrometheusScrapingEndpoint(MetricsPath).RequireAuthorization(AccessPolicies.Owner);
        }
        return app;
    }

    /// <summary>The URL with a Telegram bot token in its path (<c>/bot&lt;token&gt;/</c>, <c>/file/bot&lt;token&gt;/</c>) replaced, and no query.</summary>
    public static string RedactUrl(Uri uri) =>
        uri.GetLeftPart(UriPartial.Authority) + BotTokenInPath().Replace(uri.AbsolutePath, "/bot{token}/");

    [GeneratedRegex("/bot[^/]+/")]
    private static partial Regex BotTokenInPath();
}

/// <summary>
/// Gauges of the pipeline's backlog, read from the database every 15 s (one statement): messages waiting for a turn
/// and replies waiting to be sent, with the age of the oldest of each. Every replica reports the same figures.
/// </summary>
public sealed class PipelineGauges(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<PipelineGauges> logger) : BackgroundService
{
    private long pendingInbox;
    private long pendingOutbox;
    private double oldestInboxSeconds;
    private double oldestOutboxSeconds;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        BotTelemetry.Meter.CreateObservableGauge("bot.inbox.pending", () => Interlocked.Read(ref pendingInbox), "{message}", "Inbound messages waiting for their turn.");
        BotTelemetry.Meter.CreateObservableGauge("bot.outbox.pending", () => Interlocked.Read(ref pendingOutbox), "{message}", "Replies waiting to be sent.");
        BotTelemetry.Meter.CreateObservableGauge("bot.inbox.oldest_pending_age", () => Volatile.Read(ref oldestInboxSeconds), "s", "Age of the oldest message waiting for its turn.");
        BotTelemetry.Meter.CreateObservableGauge("bot.outbox.oldest_pending_age", () => Volatile.Read(ref oldestOutboxSeconds), "s", "Age of the oldest reply waiting to be sent.");
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(15), clock);
        do
        {
            try
            {
                await using var command = dataSource.CreateCommand(
                    """
                    SELECT (SELECT count(*) FROM inbox WHERE status = 'Pending'),
                           (SELECT min(received_at) FROM inbox WHERE status = 'Pending'),
                           (SELECT count(*) FROM outbox WHERE status = 'Pending'),
                           (SELECT min(created_at) FROM outbox WHERE status = 'Pending')
                    """);
                await using var reader = await command.ExecuteReaderAsync(stoppingToken);
                await reader.ReadAsync(stoppingToken);
                var now = clock.GetUtcNow();
                Interlocked.Exchange(ref pendingInbox, reader.GetInt64(0));
                Volatile.Write(ref oldestInboxSeconds, reader.IsDBNull(1) ? 0 : (now - reader.GetFieldValue<DateTimeOffset>(1)).TotalSeconds);
                Interlocked.Exchange(ref pendingOutbox, reader.GetInt64(2));
                Volatile.Write(ref oldestOutboxSeconds, reader.IsDBNull(3) ? 0 : (now - reader.GetFieldValue<DateTimeOffset>(3)).TotalSeconds);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                PipelineGaugesLog.ReadFailed(logger, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

internal static partial class PipelineGaugesLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the pipeline's backlog for the metrics failed; trying again in 15 s")]
    public static partial void ReadFailed(ILogger logger, Exception exception);
}
