using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Bot.BotHost.KeyRing;
using Bot.Tests.Support;

namespace Bot.Tests.Integration;

/// <summary>
/// The attack from issue 14, replayed: a bank is linked through the real page (Plaid is Prism serving Plaid's spec),
/// the whole database is dumped with pg_dump, and the dump is restored elsewhere. Without the key file, no token in
/// it can be read; with it, the owner reads it back.
/// </summary>
[Collection(PlaidPrismCollection.Name)]
public partial class KeyRingDumpTests(PlaidPrismFixture fixture)
{
    private const string ExampleAccessToken = "access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6";

    [Fact]
    public async Task A_database_dump_without_the_key_file_recovers_no_bank_token()
    {
        var app = new PlaidHostFactory(fixture.Prism.BaseUrl, new ContractRecorder(), new PlaidFaults());
        await ((IAsyncLifetime)app).InitializeAsync();
        string stored, dump;
        try
        {
            var chat = await DirectLineTestClient.StartAsync(app.CreateClient());
            await chat.SendAsync("/link bank");
            var reply = (await chat.WaitForBotRepliesAsync(1))[0].GetProperty("text").GetString()!;
            var url = LinkPattern().Match(reply).Groups[1].Value;
            var linked = await app.CreateClient().PostAsJsonAsync(new Uri(url, UriKind.Relative), new { publicToken = "public-sandbox-b0e2c4ee-a763-4df5-bfe9-46a46bce993d" });
            Assert.Equal(HttpStatusCode.OK, linked.StatusCode);
            stored = (await app.Database.ScalarAsync<string>("SELECT protected_access_token FROM bank_items"))!;
            dump = await PostgresTools.DumpAsync(app.Database.ConnectionString);
        }
        finally
        {
            await ((IAsyncLifetime)app).DisposeAsync();
        }

        // The dump has the ciphertext and the key ring, but neither the token nor any key in plaintext.
        Assert.Contains(stored, dump, StringComparison.Ordinal);
        Assert.Contains("COPY public.data_protection_keys", dump, StringComparison.Ordinal);
        Assert.Contains("encryptedSecret", dump, StringComparison.Ordinal);
        Assert.DoesNotContain(ExampleAccessToken, dump, StringComparison.Ordinal);
        Assert.DoesNotContain("de3ce8ef-33f8-452c-a685-8671031fc0f6", dump, StringComparison.Ordinal);
        Assert.DoesNotContain("requiresEncryption", dump, StringComparison.Ordinal);
        Assert.DoesNotContain("masterKey", dump, StringComparison.Ordinal);

        await using var copy = await TestDatabase.CreateAsync();
        await PostgresTools.RestoreAsync(copy.ConnectionString, dump);

        // Whoever has the dump reads the key ring from it with Data Protection and the bot's own protector: no key file...
        using (var thief = new KeyRingSetup(copy.ConnectionString, keys: null))
        {
            Assert.ThrowsAny<CryptographicException>(() => thief.BankTokens.Unprotect(stored));
        }
        // ...or a key file of their own making: nothing either.
        using (var guess = new KeyRingSetup(copy.ConnectionString, new KeyFiles(KeyFile.FromKey(RandomNumberGenerator.GetBytes(KeyFile.KeyBytes)))))
        {
            Assert.ThrowsAny<CryptographicException>(() => guess.BankTokens.Unprotect(stored));
        }
        // The owner, with the key file kept apart from the database, restores the backup and reads the token.
        using var owner = new KeyRingSetup(copy.ConnectionString, KeyFiles.Load(new KeyRingOptions { KeyFile = TestKeyFile.Shared.Path }));
        Assert.Equal(ExampleAccessToken, owner.BankTokens.Unprotect(stored));
    }

    [GeneratedRegex(@"\((/link/plaid\?c=[A-Za-z0-9_-]{32})\)")]
    private static partial Regex LinkPattern();
}
