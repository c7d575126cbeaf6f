using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Plaid;

public sealed record PlaidInvestmentsTransactionsResponse(
    IReadOnlyList<PlaidAccount> Accounts,
    IReadOnlyList<PlaidInvestmentTransaction> InvestmentTransactions,
    IReadOnlyList<PlaidSecurity> Securities,
    int TotalInvestmentTransactions,
    string RequestId);
