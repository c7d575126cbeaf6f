using System.Reflection;
using System.Reflection.Emit;
using Bot.Channels.Access;
using Bot.Channels.Inbound;
using Bot.Pipeline;

namespace Bot.Tests.Unit.Architecture;

/// <summary>
/// One inbound shape (README, "Architecture"): every channel goes verify -> map -> record -> acknowledge through
/// <see cref="InboundSeam"/>. Checked on the compiled Channels assembly by reading every method body's calls (lambdas,
/// async state machines and closures included): only the seam may call the inbox recorder or read a request body, so
/// a door that records before it verifies, or reads a body the seam did not bound, cannot be written without failing here.
/// </summary>
public class InboundSeamTests
{
    private static readonly Assembly Channels = typeof(InboundSeam).Assembly;

    [Fact]
    public void Only_the_seam_records_inbound_messages()
    {
        var callers = CallersOf(Channels, method => method.DeclaringType == typeof(InboxRecorder));
        Assert.Equal([typeof(InboundSeam).FullName!], callers);
    }

    [Fact]
    public void Only_the_seam_reads_request_bodies()
    {
        var callers = CallersOf(Channels, method => method.DeclaringType == typeof(RequestBodies) && method.Name == nameof(RequestBodies.ReadAsync));
        Assert.Equal([typeof(InboundSeam).FullName!], callers);
    }

    [Fact]
    public void Every_platform_door_is_an_inbound_endpoint()
    {
        // The HTTP doors named in docs/architecture.md; a door that stops implementing the seam's steps fails here.
        var doors = Channels.GetTypes()
            .Where(t => !t.IsAbstract && t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IInboundEndpoint<>)))
            .Select(t => t.Name)
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(["DirectLineInbound", "SlackCommandInbound", "SlackEventsInbound", "SlackInteractivityInbound", "TeamsInbound", "TelegramWebhookInbound"], doors);
    }

    [Fact]
    public void The_scan_sees_a_call_inside_a_lambda_and_an_async_method()
    {
        // This assembly records directly twice, once in an async method and once in a lambda: the scan must find both.
        var callers = CallersOf(typeof(InboundSeamTests).Assembly, method => method.DeclaringType == typeof(InboxRecorder));
        Assert.Equal([typeof(AsyncBypassForTheCheck).FullName!, typeof(LambdaBypassForTheCheck).FullName!], callers);
    }

    /// <summary>The outermost types of <paramref name="assembly"/> whose code calls a method <paramref name="target"/> accepts.</summary>
    private static List<string> CallersOf(Assembly assembly, Func<MethodBase, bool> target)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var callers = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                if (method.GetMethodBody()?.GetILAsByteArray() is { } il && CallsInto(method, il, target))
                {
                    callers.Add(Outermost(type).FullName!);
                }
            }
        }
        return [.. callers];
    }

    private static Type Outermost(Type type) => type.DeclaringType is { } outer ? Outermost(outer) : type;

    private static bool CallsInto(MethodBase method, byte[] il, Func<MethodBase, bool> target)
    {
        for (var at = 0; at < il.Length;)
        {
            var opCode = il[at] == 0xFE ? TwoByte[il[at + 1]] : OneByte[il[at]];
            at += opCode.Size;
            if (opCode.OperandType == OperandType.InlineMethod)
            {
                var token = BitConverter.ToInt32(il, at);
                if (Resolve(method, token) is { } called && target(called))
                {
                    return true;
                }
            }
            at += OperandSize(opCode.OperandType, il, at);
        }
        return false;
    }

    private static MethodBase? Resolve(MethodBase method, int token)
    {
        try
        {
            var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
            var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
            return method.Module.ResolveMethod(token, typeArguments, methodArguments);
        }
        catch (ArgumentException)
        {
            return null; // a vararg or otherwise unresolvable reference: nothing of ours
        }
    }

    private static int OperandSize(OperandType type, byte[] il, int at) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
        _ => 4,
    };

    private static readonly OpCode[] OneByte = new OpCode[256];
    private static readonly OpCode[] TwoByte = new OpCode[256];

#pragma warning disable CA1810 // the tables are filled from OpCodes' fields, which an initializer expression cannot do as plainly
    static InboundSeamTests()
#pragma warning restore CA1810
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var opCode = (OpCode)field.GetValue(null)!;
            var value = (ushort)opCode.Value;
            if (opCode.Size == 1)
            {
                OneByte[value] = opCode;
            }
            else
            {
                TwoByte[value & 0xFF] = opCode;
            }
        }
    }
}

/// <summary>Never run: it exists so <see cref="InboundSeamTests"/>' self-check has an async call to find.</summary>
internal static class AsyncBypassForTheCheck
{
    public static async Task RecordAsync(InboxRecorder recorder, Bot.Pipeline.Model.IncomingMessage message) =>
        await recorder.RecordAsync(message, CancellationToken.None);
}

/// <summary>Never run: it exists so <see cref="InboundSeamTests"/>' self-check has a call inside a lambda to find.</summary>
internal static class LambdaBypassForTheCheck
{
    public static Func<Task> Later(InboxRecorder recorder, Bot.Pipeline.Model.IncomingMessage message) =>
        () => recorder.RecordAsync(message, null, CancellationToken.None);
}
