using System.Collections.Concurrent;
using System.Net;

namespace Bot.Tests.Integration;

/// <summary>
/// Sits between the host's Plaid client and Prism and makes one call of a chosen path fail the way a test asks
/// (Prism only serves the spec's examples): an error answer, Plaid unreachable, the answer lost after Plaid did the
/// work, or the call held until the test releases it. Each fault applies once.
/// </summary>
public sealed class PlaidFaults : DelegatingHandler
{
    private readonly ConcurrentDictionary<string, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>> faults = new(StringComparer.Ordinal);

    /// <summary>The next call of the path answers HTTP 400 with this Plaid error body.</summary>
    public (string Path, string Body)? Next
    {
        set
        {
            if (value is { } fault)
            {
                faults[fault.Path] = (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadRequest)
                {
                    Content = new StringContent(fault.Body, System.Text.Encoding.UTF8, "application/json"),
                });
            }
        }
    }

    /// <summary>The next call of the path never reaches Plaid (a refused connection).</summary>
    public void Unreachable(string path) =>
        faults[path] = (_, _) => throw new HttpRequestException("Connection refused (injected by the test)");

    /// <summary>The next call of the path reaches Plaid, which does the work, but its answer is lost on the way back.</summary>
    public void AnswerLost(string path) => faults[path] = async (request, cancellationToken) =>
    {
        using var response = await base.SendAsync(request, cancellationToken);
        throw new HttpRequestException("Connection reset after the request was sent (injected by the test)");
    };

    /// <summary>The next call of the path waits until the test releases it, then goes through.</summary>
    public PlaidHold Hold(string path)
    {
        var hold = new PlaidHold();
        faults[path] = async (request, cancellationToken) =>
        {
            hold.Arrived();
            await hold.Released.WaitAsync(cancellationToken);
            return await base.SendAsync(request, cancellationToken);
        };
        return hold;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        foreach (var path in faults.Keys)
        {
            if (request.RequestUri!.AbsolutePath.EndsWith(path, StringComparison.Ordinal) && faults.TryRemove(path, out var fault))
            {
                return fault(request, cancellationToken);
            }
        }
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>A held Plaid call: <see cref="Reached"/> completes when the call arrives; <see cref="Release"/> lets it through.</summary>
public sealed class PlaidHold
{
    private readonly TaskCompletionSource reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Reached => reached.Task;

    internal Task Released => released.Task;

    public void Release() => released.TrySetResult();

    internal void Arrived() => reached.TrySetResult();
}
