using System.ComponentModel.DataAnnotations;
using Bot.Finance.Ibkr;
using Bot.Finance.Plaid;

namespace Bot.Tests.Unit;

/// <summary>Missing or unsafe finance settings are refused with a message that names the setting.</summary>
public class FinanceOptionsTests
{
    private static List<string> Errors(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage!).ToList();
    }

    [Fact]
    public void Unset_providers_are_valid_and_mean_demo_and_paper()
    {
        Assert.Empty(Errors(new PlaidOptions()));
        Assert.Empty(Errors(new IbkrOptions()));
        Assert.False(new PlaidOptions().IsConfigured);
        Assert.False(new IbkrOptions().IsConfigured);
    }

    [Fact]
    public void Plaid_needs_its_secret_and_an_https_url()
    {
        Assert.Contains("Plaid:Secret is required when Plaid:ClientId is set.", Errors(new PlaidOptions { ClientId = "id" }));
        Assert.Contains(Errors(new PlaidOptions { ClientId = "id", Secret = "s", BaseUrl = "http://plaid.example.com" }), e => e.StartsWith("Plaid:BaseUrl", StringComparison.Ordinal));
        Assert.Empty(Errors(new PlaidOptions { ClientId = "id", Secret = "s", BaseUrl = "http://127.0.0.1:4010" }));
        Assert.Contains(Errors(new PlaidOptions { ClientId = "id", Secret = "s", CountryCodes = "US,USA" }), e => e.StartsWith("Plaid:CountryCodes", StringComparison.Ordinal));
        Assert.True(new PlaidOptions().AllowsSandboxLinking);
        Assert.False(new PlaidOptions { BaseUrl = "https://production.plaid.com" }.AllowsSandboxLinking);
    }

    [Fact]
    public void Ibkr_trades_paper_unless_live_is_set_explicitly()
    {
        Assert.Empty(Errors(new IbkrOptions { BaseUrl = "https://localhost:5000/v1/api", AccountId = "DU1234567" }));
        Assert.Contains(Errors(new IbkrOptions { BaseUrl = "https://localhost:5000/v1/api", AccountId = "U1234567" }),
            e => e.StartsWith("Ibkr:AccountId 'U1234567' is a live account but Ibkr:Live is false", StringComparison.Ordinal));
        Assert.Empty(Errors(new IbkrOptions { BaseUrl = "https://localhost:5000/v1/api", AccountId = "U1234567", Live = true }));
        Assert.Contains(Errors(new IbkrOptions { BaseUrl = "https://localhost:5000/v1/api", Live = true }), e => e.Contains("Ibkr:AccountId must name", StringComparison.Ordinal));
        Assert.Contains(Errors(new IbkrOptions { Live = true }), e => e.StartsWith("Ibkr:Live is true but Ibkr:BaseUrl is not set", StringComparison.Ordinal));
        Assert.Contains(Errors(new IbkrOptions { BaseUrl = "localhost:5000" }), e => e.StartsWith("Ibkr:BaseUrl", StringComparison.Ordinal));
    }
}
