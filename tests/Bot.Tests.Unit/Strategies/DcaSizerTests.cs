using Bot.Strategies;

namespace Bot.Tests.Unit.Strategies;

/// <summary>A recurring buy rounds down to whole shares within the amount, commission included, and says what is left.</summary>
public class DcaSizerTests
{
    [Theory]
    [InlineData(500, 261.05, 1, 237.95)]       // 261.05 + 1.00 commission
    [InlineData(1000, 99.90, 10, 0)]           // 999.00 + 1.00: exactly the amount
    [InlineData(1000, 99.95, 9, 99.45)]        // 10 would be 999.50 + 1.00 > 1000
    [InlineData(100, 99.50, 0, 100)]           // one share and its commission do not fit
    [InlineData(5000, 72.01, 69, 30.31)]
    public void Whole_shares_within_the_amount(decimal amount, decimal ask, decimal shares, decimal left)
    {
        var order = DcaSizer.Size(amount, ask);
        Assert.Equal(shares, order.Shares);
        Assert.Equal(left, order.CashLeft);
        Assert.True(order.Cost + order.Commission <= amount);
        Assert.Equal(amount, order.Cost + order.Commission + order.CashLeft);
    }
}
