using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Bot.Storage;
using Microsoft.EntityFrameworkCore;

namespace Bot.Tests.Unit;

/// <summary>
/// One door per table: the pipeline's tables are read and written with plain SQL through Npgsql, never through EF Core,
/// so no table is reached in two styles. The check reads the compiled production assemblies' metadata (not their source
/// text): any reference to a BotDbContext member or an EF Core API whose signature or generic arguments name an entity
/// mapped to a pipeline table is a violation. It covers <c>db.Threads</c>, <c>db.Set&lt;ChatThread&gt;()</c>, LINQ query
/// syntax and lambdas alike, because all of them compile to such references.
/// </summary>
public class DataAccessTests
{
    /// <summary>The pipeline's tables (raw SQL only); the feature tables (plans, schedules, memories, bank, audit) keep EF Core.</summary>
    public static readonly string[] PipelineTables =
        ["inbox", "outbox", "threads", "thread_events", "conversations", "users", "channel_identities", "directline_activities"];

    /// <summary>Every production assembly except Storage, which defines the DbContext and its entities.</summary>
    private static readonly Assembly[] Production =
    [
        typeof(Bot.Pipeline.TurnProcessor).Assembly,
        typeof(Bot.Agent.Memory.ContextBuilder).Assembly,
        typeof(Bot.Finance.Trading.TradePlanService).Assembly,
        typeof(Bot.Scheduling.ScheduleService).Assembly,
        typeof(Bot.Channels.Web.DirectLineStore).Assembly,
        typeof(Program).Assembly,
    ];

    [Fact]
    public void Every_pipeline_table_is_mapped_to_an_entity()
    {
        // Guards the test itself: a renamed table would otherwise silently drop out of the check below.
        var mapped = PipelineEntityNames();
        Assert.Equal(PipelineTables.Length, mapped.Count);
    }

    [Fact]
    public void Production_code_reaches_pipeline_tables_only_through_Npgsql()
    {
        var entities = PipelineEntityNames();
        var violations = Production.SelectMany(assembly => EfUsesOf(assembly, entities)).Order(StringComparer.Ordinal).ToList();
        Assert.True(violations.Count == 0,
            "Pipeline tables accessed through EF Core (use NpgsqlDataSource, or a Bot.Pipeline query such as ThreadQueries):\n  "
            + string.Join("\n  ", violations));
    }

    [Fact]
    public void The_check_sees_an_EF_use_of_a_pipeline_table()
    {
        // This test assembly holds EfUseForTheCheck below: the same scan must report it, or the check above proves nothing.
        var uses = EfUsesOf(typeof(DataAccessTests).Assembly, PipelineEntityNames());
        Assert.Contains(uses, u => u.Contains("Bot.Storage.BotDbContext::get_ThreadEvents", StringComparison.Ordinal));
        Assert.Contains(uses, u => u.Contains("Set<Bot.Storage.Entities.ChannelIdentity>", StringComparison.Ordinal));
    }

    /// <summary>Never run: it only exists so <see cref="The_check_sees_an_EF_use_of_a_pipeline_table"/> has something to find.</summary>
    internal static async Task<int> EfUseForTheCheck(BotDbContext db, Guid threadId) =>
        await db.ThreadEvents.CountAsync(e => e.ThreadId == threadId) + await db.Set<Bot.Storage.Entities.ChannelIdentity>().CountAsync();

    private static readonly char[] TypeSeparators = ['<', '>', ',', '[', ']', '&', '*', '(', ')', ':'];

    private static HashSet<string> PipelineEntityNames()
    {
        // Building the model needs no database: the provider is configured but never connected.
        using var db = new BotDbContext(new DbContextOptionsBuilder<BotDbContext>().UseNpgsql("Host=127.0.0.1;Database=model-only").Options);
        return db.Model.GetEntityTypes()
            .Where(e => PipelineTables.Contains(e.GetTableName(), StringComparer.Ordinal))
            .Select(e => e.ClrType.FullName!)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Member references and generic instantiations in <paramref name="assembly"/> that use EF Core on a pipeline entity.</summary>
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
