namespace Bot.Storage.Entities;

/// <summary>
/// One bank connection (a Plaid Item) of a user. The provider's access token is kept only as Data Protection
/// ciphertext; <see cref="TransactionsCursor"/> is where the next <c>/transactions/sync</c> continues.
/// </summary>
public sealed class BankItem
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }
    public required string Provider { get; set; }
    /// <summary>The provider's id of the connection (Plaid <c>item_id</c>).</summary>
    public required string ExternalId { get; set; }
    public string? InstitutionName { get; set; }
    /// <summary>The access token, encrypted with ASP.NET Core Data Protection. Never the plaintext.</summary>
    public required string ProtectedAccessToken { get; set; }
    public string? TransactionsCursor { get; set; }
    public BankItemStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
