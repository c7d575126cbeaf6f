using Bot.Pipeline.Model;

namespace Bot.Pipeline;

/// <summary>Sends outgoing messages on one channel. Implementations render the neutral message in the platform's format.</summary>
public interface IChannelSender
{
    string Channel { get; }

    Task<SendResult> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken);
}
