using System.Security.Cryptography;

namespace Bot.Tests.Support;

/// <summary>
/// A Data Protection key file (DataProtection:KeyFile) for hosts the tests start: 32 random bytes as base64, mode
/// 600, in a directory of its own under the temp folder, removed when disposed (the shared one when the test
/// process exits).
/// </summary>
public sealed class TestKeyFile : IDisposable
{
    private static readonly Lazy<TestKeyFile> SharedFile = new(() =>
    {
        var file = Create();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => file.Dispose();
        return file;
    });

    private readonly string directory;

    private TestKeyFile(string directory, string path)
    {
        this.directory = directory;
        Path = path;
    }

    /// <summary>The key file every host of this test process uses unless a test names another.</summary>
    public static TestKeyFile Shared => SharedFile.Value;

    public string Path { get; }

    public static TestKeyFile Create()
    {
        var directory = Directory.CreateTempSubdirectory("bot-test-keys-").FullName;
        var path = System.IO.Path.Combine(directory, "dataprotection.key");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var writer = new StreamWriter(new FileStream(path, options)))
        {
            writer.WriteLine(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        }
        return new TestKeyFile(directory, path);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
