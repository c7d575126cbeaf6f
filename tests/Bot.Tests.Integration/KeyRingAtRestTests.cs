using Bot.BotHost.KeyRing;
using Bot.Finance.Bank;
using Bot.Tests.Support;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration;

/// <summary>A host on a database the test owns, with the key files it names.</summary>
public sealed class KeyFileHostFactory(TestDatabase database, string keyFile, params string[] previousKeyFiles) : BotAppFactory(database)
{
    protected override IDictionary<string, string> Settings
    {
        get
        {
            var settings = new Dictionary<string, string> { ["DataProtection:KeyFile"] = keyFile };
            for (var i = 0; i < previousKeyFiles.Length; i++)
            {
                settings[$"DataProtection:PreviousKeyFiles:{i}"] = previousKeyFiles[i];
            }
            return settings;
        }
    }
}

/// <summary>
/// The Data Protection key ring (which protects stored bank and chat tokens) is stored in PostgreSQL encrypted with
/// a key file that is not in the database; rotating the keys or the key file keeps old tokens readable; keys written
/// in plaintext before key files existed are encrypted in place and stop being the default.
/// </summary>
public class KeyRingAtRestTests
{
    [Fact]
    public async Task The_key_ring_in_the_database_holds_no_key_in_plaintext()
    {
        await using var database = await TestDatabase.CreateAsync();
        var keyFile = KeyFile.Load(TestKeyFile.Shared.Path, "test");
        await WithHostAsync(new KeyFileHostFactory(database, TestKeyFile.Shared.Path), host =>
        {
            var token = host.Services.GetRequiredService<BankTokenProtector>().Protect("access-sandbox-at-rest");
            Assert.Equal("access-sandbox-at-rest", host.Services.GetRequiredService<BankTokenProtector>().Unprotect(token));
            return Task.CompletedTask;
        });
        var rows = await KeyRowsAsync(database);
        Assert.NotEmpty(rows);
        Assert.All(rows, xml =>
        {
            Assert.Contains("encryptedSecret", xml, StringComparison.Ordinal);
            Assert.Contains($"keyFile=\"{keyFile.Id}\"", xml, StringComparison.Ordinal);
            Assert.Contains(typeof(KeyFileXmlDecryptor).FullName!, xml, StringComparison.Ordinal);
            Assert.DoesNotContain("requiresEncryption", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("masterKey", xml, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_token_protected_before_a_key_rotation_stays_readable()
    {
        await using var database = await TestDatabase.CreateAsync();
        string before = "", after = "";
        await WithHostAsync(new KeyFileHostFactory(database, TestKeyFile.Shared.Path), async host =>
        {
            var tokens = host.Services.GetRequiredService<BankTokenProtector>();
            before = tokens.Protect("access-sandbox-before");
            var now = DateTimeOffset.UtcNow;
            var rotated = host.Services.GetRequiredService<IKeyManager>().CreateNewKey(now, now.AddDays(90));
            // Data Protection refreshes its cached key ring in the background: the new key becomes the default shortly.
            after = await Eventually.GetAsync(() => Task.FromResult(tokens.Protect("access-sandbox-after")), p => KeyIdOf(p) == rotated.KeyId, "the new key to become the default");
            Assert.NotEqual(KeyIdOf(before), KeyIdOf(after));
            Assert.Equal("access-sandbox-before", tokens.Unprotect(before));
        });
        // And after a restart, with both keys read back from the database.
        await WithHostAsync(new KeyFileHostFactory(database, TestKeyFile.Shared.Path), host =>
        {
            var tokens = host.Services.GetRequiredService<BankTokenProtector>();
            Assert.Equal("access-sandbox-before", tokens.Unprotect(before));
            Assert.Equal("access-sandbox-after", tokens.Unprotect(after));
            return Task.CompletedTask;
        });
        Assert.Equal(2, (await KeyRowsAsync(database)).Count);
    }

    [Fact]
    public async Task Rotating_the_key_file_re_encrypts_the_key_ring_and_old_tokens_stay_readable()
    {
        await using var database = await TestDatabase.CreateAsync();
        using var oldFile = TestKeyFile.Create();
        using var newFile = TestKeyFile.Create();
        var oldId = KeyFile.Load(oldFile.Path, "test").Id;
        var newId = KeyFile.Load(newFile.Path, "test").Id;
        var token = "";
        await WithHostAsync(new KeyFileHostFactory(database, oldFile.Path), host =>
        {
            token = host.Services.GetRequiredService<BankTokenProtector>().Protect("access-sandbox-rotate");
            return Task.CompletedTask;
        });
        Assert.All(await KeyRowsAsync(database), xml => Assert.Contains($"keyFile=\"{oldId}\"", xml, StringComparison.Ordinal));

        // The new file is current, the old one a decrypt-only fallback: the ring is re-encrypted at start.
        await WithHostAsync(new KeyFileHostFactory(database, newFile.Path, oldFile.Path), host =>
        {
            Assert.Equal("access-sandbox-rotate", host.Services.GetRequiredService<BankTokenProtector>().Unprotect(token));
            return Task.CompletedTask;
        });
        Assert.All(await KeyRowsAsync(database), xml =>
        {
            Assert.Contains($"keyFile=\"{newId}\"", xml, StringComparison.Ordinal);
            Assert.DoesNotContain(oldId, xml, StringComparison.Ordinal);
        });

        // The old file can go now.
        await WithHostAsync(new KeyFileHostFactory(database, newFile.Path), host =>
        {
            Assert.Equal("access-sandbox-rotate", host.Services.GetRequiredService<BankTokenProtector>().Unprotect(token));
            return Task.CompletedTask;
        });
    }

    [Fact]
    public async Task Keys_stored_in_plaintext_before_key_files_are_encrypted_in_place_and_a_new_key_becomes_the_default()
    {
        await using var database = await TestDatabase.CreateAsync();
        string legacy;
        using (var before = new KeyRingSetup(database.ConnectionString, keys: null))
        {
            await before.MigrateAsync();
            legacy = before.BankTokens.Protect("access-sandbox-legacy");
        }
        Assert.Contains(await KeyRowsAsync(database), xml => xml.Contains("requiresEncryption=\"true\"", StringComparison.Ordinal));

        await WithHostAsync(new KeyFileHostFactory(database, TestKeyFile.Shared.Path), host =>
        {
            var tokens = host.Services.GetRequiredService<BankTokenProtector>();
            Assert.Equal("access-sandbox-legacy", tokens.Unprotect(legacy));
            var fresh = tokens.Protect("access-sandbox-fresh");
            Assert.NotEqual(KeyIdOf(legacy), KeyIdOf(fresh));
            return Task.CompletedTask;
        });
        var rows = await KeyRowsAsync(database);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, xml =>
        {
            Assert.DoesNotContain("requiresEncryption", xml, StringComparison.Ordinal);
            Assert.Contains("encryptedSecret", xml, StringComparison.Ordinal);
        });

        // A database copy without the key file no longer reads the old key either.
        using var thief = new KeyRingSetup(database.ConnectionString, keys: null);
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => thief.BankTokens.Unprotect(legacy));
    }

    private static async Task WithHostAsync(BotAppFactory factory, Func<BotAppFactory, Task> test)
    {
        await ((IAsyncLifetime)factory).InitializeAsync();
        try
        {
            await test(factory);
        }
        finally
        {
            await ((IAsyncLifetime)factory).DisposeAsync();
        }
    }

    private static async Task<List<string>> KeyRowsAsync(TestDatabase database)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT xml FROM data_protection_keys ORDER BY id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }
        return rows;
    }

    /// <summary>The Data Protection key a payload was protected with (after its 4-byte magic header).</summary>
    internal static Guid KeyIdOf(string payload) => new(WebEncoders.Base64UrlDecode(payload).AsSpan(4, 16));
}
