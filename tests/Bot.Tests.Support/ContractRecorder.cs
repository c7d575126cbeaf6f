using System.Collections.Concurrent;

namespace Bot.Tests.Support;

/// <summary>One exchange with a contract mock: what was asked, the status, and Prism's violation header if any.</summary>
public sealed record ContractExchange(string Method, string Path, int Status, string? Violations);

/// <summary>
/// Sits between a client under test and Prism, recording every exchange so a test can assert that none broke the
/// spec. <see cref="Prefer"/> lets a test ask Prism for a named example of one path (Prism's <c>Prefer</c> header).
/// </summary>
public sealed class ContractRecorder : DelegatingHandler
{
    private readonly ConcurrentQueue<ContractExchange> exchanges = new();

    public ContractRecorder()
    {
    }

    public ContractRecorder(HttpMessageHandler inner) : base(inner)
    {
    }

    public IReadOnlyList<ContractExchange> Exchanges => exchanges.ToList();

    /// <summary>Path suffix to Prism Prefer value, applied once each.</summary>
    public ConcurrentDictionary<string, string> Prefer { get; } = new(StringComparer.Ordinal);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        foreach (var (suffix, prefer) in Prefer)
        {
            if (path.EndsWith(suffix, StringComparison.Ordinal) && Prefer.TryRemove(suffix, out _))
            {
                request.Headers.TryAddWithoutValidation("Prefer", prefer);
            }
        }
        var response = await base.SendAsync(request, cancellationToken);
        var violations = response.Headers.TryGetValues("sl-violations", out var values) ? string.Join(" ", values) : null;
        exchanges.Enqueue(new ContractExchange(request.Method.Method, path, (int)response.StatusCode, violations));
        return response;
    }

    /// <summary>Throws with the details unless every exchange succeeded without a spec violation.</summary>
    public void AssertAllConform()
    {
        var bad = Exchanges.Where(e => e.Status is < 200 or > 299 || e.Violations is not null).ToList();
        if (bad.Count > 0)
        {
            throw new InvalidOperationException("Requests that broke the spec:\n" + string.Join("\n", bad.Select(e => $"{e.Method} {e.Path} -> {e.Status} {e.Violations}")));
        }
        if (Exchanges.Count == 0)
        {
            throw new InvalidOperationException("No request reached the contract mock.");
        }
    }
}
