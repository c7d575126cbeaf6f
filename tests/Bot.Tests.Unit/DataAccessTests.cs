using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using Bot.Storage;
using Microsoft.EntityFrameworkCore;

namespace Bot.Tests.Unit;

/// <summary>
/// One door per table, one data-access style per table: every table the migrations create is declared here as SQL-only
/// (read and written with plain SQL through Npgsql) or EF Core (read and written through <see cref="BotDbContext"/>), and
/// production code keeps to it both ways.
/// <list type="bullet">
/// <item>EF Core never reaches a SQL-only table. The check reads the compiled production assemblies' metadata (not their
/// source text): any reference to a BotDbContext member or an EF Core API whose signature or generic arguments name an
/// entity mapped to a SQL-only table is a violation. It covers <c>db.Threads</c>, <c>db.Set&lt;Schedule&gt;()</c>, LINQ
/// query syntax and lambdas alike, because all of them compile to such references.</item>
/// <item>SQL never names an EF Core table. The check reads every string literal and string constant compiled into the
/// production assemblies (interpolated SQL keeps its literal parts) and the migrations' text (a PL/pgSQL function is
/// SQL too), and reports any that reads or writes an EF Core table (<c>FROM</c>, <c>JOIN</c>, <c>INTO</c>,
/// <c>UPDATE</c>, <c>TRUNCATE</c>). DDL (<c>CREATE TABLE</c>, <c>REFERENCES</c>, <c>CREATE INDEX ... ON</c>) is not access.</item>
/// </list>
/// </summary>
public class DataAccessTests
{
    /// <summary>The pipeline's tables: the hot path (batched statements, SKIP LOCKED, group commit, PL/pgSQL functions).</summary>
    public static readonly string[] PipelineTables =
        ["inbox", "outbox", "threads", "thread_events", "conversations", "users", "channel_identities", "directline_activities"];

    /// <summary>
    /// Feature tables that are SQL-only as well, because some of their statements say what EF Core cannot: a schedule's
    /// firing locks its row and writes its run in the transaction that records the inbound message, and runs are
    /// settled by a guarded update; a bank connection is an upsert that names itself on its link session in the same
    /// statement, and a sync is a batch of upserts; a paper order is an insert that may conflict plus guarded cash and
    /// position updates in one transaction; a standing instruction is evaluated under its row lock (FOR UPDATE SKIP LOCKED) in
    /// the transaction that records its firing. The key ring is read at start, before the EF Core model; the Telegram and
    /// Teams channel state is a key-value table written with upserts and has no entity. Connect codes and web sign-in
    /// links are spent by one guarded update (one winner), and a web session is looked up by its secret's hash on every
    /// request; none of them has an entity. Model usage is an insert that moves the month's total on in the same statement.
    /// </summary>
    public static readonly string[] SqlFeatureTables =
    [
        "schedules", "schedule_runs",
        "bank_items", "bank_transactions", "bank_link_sessions",
        "paper_accounts", "paper_orders", "paper_positions",
        "data_protection_keys", "channel_state",
        "connect_codes", "connect_failures",
        "web_sign_in_links", "web_sessions",
        "llm_usage", "llm_usage_months",
        "strategies",
    ];

    /// <summary>Every SQL-only table.</summary>
    public static readonly string[] SqlTables = [.. PipelineTables, .. SqlFeatureTables];

    /// <summary>Plain create-read-update-delete, EF Core only (a plan's guarded transitions are <c>ExecuteUpdateAsync</c> with a WHERE on the status).</summary>
    public static readonly string[] EfTables = ["trade_plans", "trade_plan_orders", "user_memories", "audit_log"];

    /// <summary>Every production assembly except Storage, which defines the DbContext and its entities.</summary>
    private static readonly Assembly[] Production =
    [
        typeof(Bot.Pipeline.TurnProcessor).Assembly,
        typeof(Bot.Agent.Memory.ContextBuilder).Assembly,
        typeof(Bot.Finance.Trading.TradePlanService).Assembly,
        typeof(Bot.Scheduling.ScheduleService).Assembly,
        typeof(Bot.Strategies.StrategyStore).Assembly,
        typeof(Bot.Channels.Web.DirectLineStore).Assembly,
        typeof(Program).Assembly,
    ];

    private const string MigrationPrefix = "Bot.Storage.Migrations.";

    [Fact]
    public void Every_table_the_migrations_create_has_exactly_one_declared_style()
    {
        // Guards the checks below: a new table, or a renamed one, would otherwise fall outside both of them.
        var created = MigrationTables();
        Assert.Empty(SqlTables.Intersect(EfTables, StringComparer.Ordinal));
        Assert.Equal(created.Order(StringComparer.Ordinal), SqlTables.Concat(EfTables).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_mapped_entity_is_on_a_declared_table_and_every_EF_table_has_one()
    {
        // An EF table needs an entity; an entity on a table missing from both lists would escape the EF check.
        var mapped = MappedTables();
        Assert.Empty(mapped.Keys.Except(SqlTables.Concat(EfTables), StringComparer.Ordinal));
        Assert.Empty(EfTables.Except(mapped.Keys, StringComparer.Ordinal));
        Assert.Equal(PipelineTables.Length, PipelineTables.Count(mapped.ContainsKey));
    }

    [Fact]
    public void Production_code_reaches_SQL_only_tables_only_through_Npgsql()
    {
        var entities = EntityNamesOf(SqlTables);
        var violations = Production.SelectMany(assembly => EfUsesOf(assembly, entities)).Order(StringComparer.Ordinal).ToList();
        Assert.True(violations.Count == 0,
            "SQL-only tables accessed through EF Core (use NpgsqlDataSource, or a query type such as ThreadQueries):\n  "
            + string.Join("\n  ", violations));
    }

    [Fact]
    public void Production_SQL_never_names_an_EF_table()
    {
        var violations = Production.Append(typeof(BotDbContext).Assembly)
            .SelectMany(assembly => StringsOf(assembly).SelectMany(text => SqlUsesOf(text, EfTables)).Select(use => $"{assembly.GetName().Name}: {use}"))
            .Concat(Migrations().SelectMany(m => SqlUsesOf(WithoutOwnershipMoves(m.Text), EfTables).Select(use => $"{m.Name}: {use}")))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(violations.Count == 0,
            "EF Core tables named in SQL (use BotDbContext, or declare the table SQL-only and move every access to Npgsql):\n  "
            + string.Join("\n  ", violations));
    }

    /// <summary>
    /// The one stated exception: joining two people (<c>merge_users</c>) or splitting one apart (<c>split_identities</c>)
    /// moves a person's rows in every table that names them, EF Core tables included, in the one transaction that also
    /// moves their accounts; split over two styles it could half happen. Only these functions' bodies are exempt.
    /// </summary>
    private static readonly string[] OwnershipMoves = ["merge_users", "split_identities"];

    private static string WithoutOwnershipMoves(string migration) =>
        Regex.Replace(migration, @"CREATE (?:OR REPLACE )?FUNCTION (?<name>\w+)\(.*?\$\$.*?\$\$;",
            m => OwnershipMoves.Contains(m.Groups["name"].Value, StringComparer.Ordinal) ? string.Empty : m.Value,
            RegexOptions.Singleline | RegexOptions.CultureInvariant);

    [Fact]
    public void Only_the_ownership_moves_are_exempt()
    {
        const string migration =
            """
            CREATE FUNCTION merge_users(a uuid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN UPDATE trade_plans SET owner_user_id = a; END; $$;
            CREATE FUNCTION other(a uuid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN UPDATE user_memories SET user_id = a; END; $$;
            """;
        Assert.Equal(["UPDATE user_memories"], SqlUsesOf(WithoutOwnershipMoves(migration), EfTables).Select(u => u[..u.IndexOf(':', StringComparison.Ordinal)]));
    }

    [Fact]
    public void The_check_sees_an_EF_use_of_a_SQL_only_table()
    {
        // This test assembly holds EfUseForTheCheck below: the same scan must report it, or the check above proves nothing.
        var uses = EfUsesOf(typeof(DataAccessTests).Assembly, EntityNamesOf(SqlTables));
        Assert.Contains(uses, u => u.Contains("Bot.Storage.BotDbContext::get_ThreadEvents", StringComparison.Ordinal));
        Assert.Contains(uses, u => u.Contains("Set<Bot.Storage.Entities.ChannelIdentity>", StringComparison.Ordinal));
        Assert.Contains(uses, u => u.Contains("Set<Bot.Storage.Entities.Schedule>", StringComparison.Ordinal));
        Assert.Contains(uses, u => u.Contains("Set<Bot.Storage.Entities.PaperPosition>", StringComparison.Ordinal));
    }

    [Fact]
    public void The_check_sees_SQL_on_an_EF_table()
    {
        // SqlUseForTheCheck below is compiled into this assembly: the literal scan must find both of its statements.
        var uses = StringsOf(typeof(DataAccessTests).Assembly).SelectMany(text => SqlUsesOf(text, EfTables)).ToList();
        Assert.Contains(uses, u => u.StartsWith("UPDATE trade_plans:", StringComparison.Ordinal));
        Assert.Contains(uses, u => u.StartsWith("JOIN audit_log:", StringComparison.Ordinal));
        // A function in a migration is SQL too; its DDL is not access.
        const string migration =
            """
            CREATE TABLE audit_log (id uuid PRIMARY KEY, plan_id uuid REFERENCES trade_plans (id));
            CREATE INDEX ix_audit_log_at ON audit_log (at);
            -- a comment may say: DELETE FROM audit_log
            CREATE FUNCTION note() RETURNS void LANGUAGE sql AS $$ INSERT INTO audit_log (id) VALUES (gen_random_uuid()) $$;
            """;
        Assert.Equal(["INTO audit_log: INTO audit_log (id) VALUES (gen_random_uuid()) $$;"], SqlUsesOf(migration, EfTables));
    }

    /// <summary>Never run: it only exists so <see cref="The_check_sees_an_EF_use_of_a_SQL_only_table"/> has something to find.</summary>
    internal static async Task<int> EfUseForTheCheck(BotDbContext db, Guid threadId) =>
        await db.ThreadEvents.CountAsync(e => e.ThreadId == threadId) + await db.Set<Bot.Storage.Entities.ChannelIdentity>().CountAsync()
        + await db.Set<Bot.Storage.Entities.Schedule>().CountAsync(s => s.Enabled)
        + await db.Set<Bot.Storage.Entities.PaperPosition>().Where(p => p.Quantity > 0).CountAsync();

    /// <summary>Never run: it only exists so <see cref="The_check_sees_SQL_on_an_EF_table"/> has something to find.</summary>
    internal static string[] SqlUseForTheCheck(Guid planId) =>
    [
        $"UPDATE trade_plans SET status = '{nameof(Bot.Storage.Entities.TradePlanStatus.Expired)}' WHERE id = '{planId}'",
        "SELECT p.id FROM threads t JOIN audit_log a ON a.subject_id = t.id::text",
    ];

    /// <summary>A statement keyword followed by a table name: reads (FROM, JOIN) and writes (INSERT/MERGE INTO, UPDATE, DELETE FROM, TRUNCATE).</summary>
    private static readonly Regex TableAccess = new(@"\b(?<keyword>FROM|JOIN|INTO|UPDATE|TRUNCATE(?:\s+TABLE)?)\s+(?:ONLY\s+)?""?(?<table>[a-z_][a-z0-9_]*)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    private static readonly Regex SqlComment = new(@"--[^\n]*", RegexOptions.CultureInvariant);

    /// <summary>Each place <paramref name="text"/> reads or writes one of <paramref name="tables"/>, as "KEYWORD table: the statement from there".</summary>
    private static List<string> SqlUsesOf(string text, string[] tables)
    {
        var code = SqlComment.Replace(text, string.Empty);
        return TableAccess.Matches(code)
            .Where(m => tables.Contains(m.Groups["table"].Value.ToLowerInvariant(), StringComparer.Ordinal))
            .Select(m => $"{Regex.Replace(m.Groups["keyword"].Value.ToUpperInvariant(), @"\s+", " ")} {m.Groups["table"].Value}: "
                + OneLine(code[m.Index..Math.Min(code.Length, m.Index + 100)]))
            .ToList();
    }

    private static string OneLine(string text) => Regex.Replace(text, @"\s+", " ").Trim();

    /// <summary>Every string an assembly's code can load (ldstr: the user-string heap) and every string constant it declares.</summary>
    private static List<string> StringsOf(Assembly assembly)
    {
        using var stream = File.OpenRead(assembly.Location);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var strings = new List<string>();
        for (var handle = MetadataTokens.UserStringHandle(1); !handle.IsNil; handle = reader.GetNextHandle(handle))
        {
            strings.Add(reader.GetUserString(handle));
        }
        for (var row = 1; row <= reader.GetTableRowCount(TableIndex.Constant); row++)
        {
            var constant = reader.GetConstant(MetadataTokens.ConstantHandle(row));
            if (constant.TypeCode == ConstantTypeCode.String)
            {
                var blob = reader.GetBlobReader(constant.Value);
                strings.Add(blob.ReadUTF16(blob.Length));
            }
        }
        return strings;
    }

    private static List<(string Name, string Text)> Migrations()
    {
        var storage = typeof(BotDbContext).Assembly;
        return storage.GetManifestResourceNames()
            .Where(n => n.StartsWith(MigrationPrefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var reader = new StreamReader(storage.GetManifestResourceStream(n)!);
                return (n[MigrationPrefix.Length..], reader.ReadToEnd());
            })
            .ToList();
    }

    /// <summary>The tables the migrations leave behind: created, less dropped, renames followed.</summary>
    private static HashSet<string> MigrationTables()
    {
        var tables = new HashSet<string>(StringComparer.Ordinal);
        var statement = new Regex(
            @"\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?<created>\w+)|\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?<dropped>\w+)|\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?<from>\w+)\s+RENAME\s+TO\s+(?<to>\w+)",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        foreach (var (_, text) in Migrations())
        {
            foreach (Match m in statement.Matches(SqlComment.Replace(text, string.Empty)))
            {
                if (m.Groups["created"].Success)
                {
                    tables.Add(m.Groups["created"].Value.ToLowerInvariant());
                }
                else if (m.Groups["dropped"].Success)
                {
                    tables.Remove(m.Groups["dropped"].Value.ToLowerInvariant());
                }
                else if (tables.Remove(m.Groups["from"].Value.ToLowerInvariant()))
                {
                    tables.Add(m.Groups["to"].Value.ToLowerInvariant());
                }
            }
        }
        return tables;
    }

    private static readonly char[] TypeSeparators = ['<', '>', ',', '[', ']', '&', '*', '(', ')', ':'];

    /// <summary>Each mapped table with the full names of the entity types mapped to it.</summary>
    private static Dictionary<string, List<string>> MappedTables()
    {
        // Building the model needs no database: the provider is configured but never connected.
        using var db = new BotDbContext(new DbContextOptionsBuilder<BotDbContext>().UseNpgsql("Host=127.0.0.1;Database=model-only").Options);
        return db.Model.GetEntityTypes()
            .Where(e => e.GetTableName() is not null)
            .GroupBy(e => e.GetTableName()!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.ClrType.FullName!).ToList(), StringComparer.Ordinal);
    }

    private static HashSet<string> EntityNamesOf(string[] tables) =>
        MappedTables().Where(t => tables.Contains(t.Key, StringComparer.Ordinal)).SelectMany(t => t.Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>Member references and generic instantiations in <paramref name="assembly"/> that use EF Core on one of <paramref name="entities"/>.</summary>
    private static List<string> EfUsesOf(Assembly assembly, HashSet<string> entities)
    {
        using var stream = File.OpenRead(assembly.Location);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var names = new TypeNames(reader);
        var found = new List<string>();

        bool NamesEntity(string text) => text.Split(TypeSeparators, StringSplitOptions.RemoveEmptyEntries).Any(entities.Contains);
        bool IsEf(string typeName) => typeName.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal)
            || typeName.StartsWith(typeof(BotDbContext).FullName!, StringComparison.Ordinal);

        foreach (var handle in reader.MemberReferences)
        {
            var member = reader.GetMemberReference(handle);
            var parent = names.OfParent(member.Parent);
            if (!IsEf(parent))
            {
                continue;
            }
            var signature = member.GetKind() == MemberReferenceKind.Method
                ? string.Join(",", member.DecodeMethodSignature(names, null).ParameterTypes.Prepend(member.DecodeMethodSignature(names, null).ReturnType))
                : member.DecodeFieldSignature(names, null);
            var text = $"{parent}::{reader.GetString(member.Name)}({signature})";
            if (NamesEntity(parent) || NamesEntity(signature))
            {
                found.Add($"{assembly.GetName().Name}: {text}");
            }
        }
        for (var row = 1; row <= reader.GetTableRowCount(TableIndex.MethodSpec); row++)
        {
            var spec = reader.GetMethodSpecification(MetadataTokens.MethodSpecificationHandle(row));
            var (parent, name) = spec.Method.Kind switch
            {
                HandleKind.MemberReference => (names.OfParent(reader.GetMemberReference((MemberReferenceHandle)spec.Method).Parent),
                    reader.GetString(reader.GetMemberReference((MemberReferenceHandle)spec.Method).Name)),
                HandleKind.MethodDefinition => (names.OfDefinition(reader.GetMethodDefinition((MethodDefinitionHandle)spec.Method).GetDeclaringType()),
                    reader.GetString(reader.GetMethodDefinition((MethodDefinitionHandle)spec.Method).Name)),
                _ => (string.Empty, string.Empty),
            };
            var arguments = string.Join(",", spec.DecodeSignature(names, null));
            if (IsEf(parent) && NamesEntity(arguments))
            {
                found.Add($"{assembly.GetName().Name}: {parent}::{name}<{arguments}>");
            }
        }
        return found;
    }

    /// <summary>Turns metadata type signatures into readable full names, generic arguments included.</summary>
    private sealed class TypeNames(MetadataReader reader) : ISignatureTypeProvider<string, object?>
    {
        public string OfParent(EntityHandle parent) => parent.Kind switch
        {
            HandleKind.TypeReference => GetTypeFromReference(reader, (TypeReferenceHandle)parent, 0),
            HandleKind.TypeDefinition => GetTypeFromDefinition(reader, (TypeDefinitionHandle)parent, 0),
            HandleKind.TypeSpecification => GetTypeFromSpecification(reader, null, (TypeSpecificationHandle)parent, 0),
            _ => string.Empty,
        };

        public string OfDefinition(TypeDefinitionHandle handle) => GetTypeFromDefinition(reader, handle, 0);

        public string GetTypeFromDefinition(MetadataReader metadata, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            var type = metadata.GetTypeDefinition(handle);
            var name = metadata.GetString(type.Name);
            return type.GetDeclaringType() is { IsNil: false } outer
                ? GetTypeFromDefinition(metadata, outer, 0) + "+" + name
                : Join(metadata.GetString(type.Namespace), name);
        }

        public string GetTypeFromReference(MetadataReader metadata, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var type = metadata.GetTypeReference(handle);
            var name = metadata.GetString(type.Name);
            return type.ResolutionScope.Kind == HandleKind.TypeReference
                ? GetTypeFromReference(metadata, (TypeReferenceHandle)type.ResolutionScope, 0) + "+" + name
                : Join(metadata.GetString(type.Namespace), name);
        }

        public string GetTypeFromSpecification(MetadataReader metadata, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            metadata.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) =>
            $"{genericType}<{string.Join(",", typeArguments)}>";

        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[" + new string(',', shape.Rank - 1) + "]";
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPinnedType(string elementType) => elementType;
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
        public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;
        public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();

        private static string Join(string ns, string name) => ns.Length == 0 ? name : ns + "." + name;
    }
}
