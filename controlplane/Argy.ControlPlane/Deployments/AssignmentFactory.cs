using System.Text.Json;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Argy.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace Argy.ControlPlane.Deployments;

/// <summary>Turns a stored deployment into the AssignJob an agent receives, opening its sealed secrets.</summary>
public sealed class AssignmentFactory(SecretBox secretBox)
{
    public AssignJob Create(DeploymentRow run)
    {
        var job = new AssignJob
        {
            RunId = run.Id,
            Product = run.Product,
            Timeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(run.TimeoutSeconds)),
        };
        if (run.Script is not null)
        {
            job.Script = run.Script;
        }
        else
        {
            job.Command = new Command();
            job.Command.Argv.AddRange(Json.ReadList(run.Command));
        }

        foreach (var (name, value) in Json.ReadMap(run.Env))
        {
            job.Env[name] = value;
        }
        if (run.Secrets is { Length: > 0 } sealedSecrets)
        {
            job.Secrets.Add(OpenSecrets(sealedSecrets));
        }

        return job;
    }

    public byte[]? SealSecrets(IReadOnlyDictionary<string, string>? secrets) =>
        secrets is null || secrets.Count == 0
            ? null
            : secretBox.Seal(JsonSerializer.SerializeToUtf8Bytes(secrets, StorageJsonContext.Default.IReadOnlyDictionaryStringString));

    private Dictionary<string, string> OpenSecrets(byte[] sealedSecrets) =>
        JsonSerializer.Deserialize(secretBox.Open(sealedSecrets), StorageJsonContext.Default.DictionaryStringString) ?? [];
}
