using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Plaid;

public sealed record PlaidInvestmentsTransactionsRequest(string AccessToken, DateOnly StartDate, DateOnly EndDate, PlaidInvestmentsTransactionsOptions? Options = null);
