using System.Net.Http.Headers;
using System.Net.Security;
using Bot.Agent.Commands;
using Bot.Finance.Bank;
using Bot.Finance.Broker;
using Bot.Finance.Commands;
using Bot.Finance.Ibkr;
using Bot.Finance.Plaid;
using Bot.Finance.Tools;
using Bot.Agent.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Bot.Finance;

public static class FinanceServiceCollectionExtensions
{
    /// <summary>
    /// Bank and broker: Plaid when <c>Plaid:ClientId</c> is set (else the demo bank), IBKR when <c>Ibkr:BaseUrl</c> is
    /// set (else the paper broker), the finance tools, and the commands /balances, /transactions, /portfolio,
    /// /quote and /link.
    /// </summary>
    public static IServiceCollection AddFinance(this IServiceCollection services)
    {
        services.AddOptions<PlaidOptions>().BindConfiguration(PlaidOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<IbkrOptions>().BindConfiguration(IbkrOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddHttpClient<PlaidClient>((sp, http) =>
        {
            http.BaseAddress = new Uri(sp.GetRequiredService<IOptions<PlaidOptions>>().Value.BaseUrl.TrimEnd('/') + "/");
            http.Timeout = TimeSpan.FromSeconds(30);
        });
        services.AddHttpClient<IbkrClient>((sp, http) =>
        {
            var settings = sp.GetRequiredService<IOptions<IbkrOptions>>().Value;
            http.BaseAddress = new Uri((settings.BaseUrl ?? "https://localhost:5000/v1/api").TrimEnd('/') + "/");
            http.Timeout = TimeSpan.FromSeconds(20);
            http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("finance-bot", "1.0"));
            if (!string.IsNullOrEmpty(settings.BearerToken))
            {
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.BearerToken);
            }
        }).ConfigurePrimaryHttpMessageHandler(sp => IbkrHandler(sp.GetRequiredService<IOptions<IbkrOptions>>().Value));

        services.AddSingleton<BankTokenProtector>();
        services.AddScoped<BankLinks>();
        services.AddScoped<DemoBank>();
        services.AddScoped<PlaidBankProvider>();
        services.AddScoped<IBankProvider>(sp => sp.GetRequiredService<IOptions<PlaidOptions>>().Value.IsConfigured
            ? sp.GetRequiredService<PlaidBankProvider>()
            : sp.GetRequiredService<DemoBank>());

        services.AddOptions<PaperMarketOptions>().BindConfiguration(PaperMarketOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PaperMarket>();
        services.AddScoped<PaperBroker>();
        services.AddScoped<Bot.Pipeline.People.IPersonSummarySource, Trading.OpenPlansSummary>();
        services.AddScoped<IbkrBroker>();
        services.AddScoped<IBrokerProvider>(sp => sp.GetRequiredService<IOptions<IbkrOptions>>().Value.IsConfigured
            ? sp.GetRequiredService<IbkrBroker>()
            : sp.GetRequiredService<PaperBroker>());
        services.AddHostedService<IbkrKeepAlive>();

        services.AddScoped<FinanceToolProvider>();
        services.AddScoped<IToolProvider>(sp => sp.GetRequiredService<FinanceToolProvider>());
        services.AddScoped<IChatCommand, BalancesCommand>();
        services.AddScoped<IChatCommand, TransactionsCommand>();
        services.AddScoped<IChatCommand, PortfolioCommand>();
        services.AddScoped<IChatCommand, QuoteCommand>();
        services.AddScoped<IChatCommand, LinkCommand>();
        return services;
    }

    /// <summary>
    /// The gateway's TLS: normal validation, except that a self-signed certificate (a chain error only; the host
    /// name must still match) is accepted when <c>Ibkr:AllowSelfSignedCertificate</c> is true.
    /// </summary>
    internal static SocketsHttpHandler IbkrHandler(IbkrOptions settings)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (settings.AllowSelfSignedCertificate)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, errors) => AcceptSelfSigned(errors);
        }
        return handler;
    }

    internal static bool AcceptSelfSigned(SslPolicyErrors errors) =>
        errors is SslPolicyErrors.None or SslPolicyErrors.RemoteCertificateChainErrors;
}
