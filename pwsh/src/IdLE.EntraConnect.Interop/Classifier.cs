using System;
using System.Management.Automation;

namespace IdLE.EntraConnect.Interop;

/// <summary>Classifies an arbitrary error (e.g. from a provider written in PowerShell) with the core's rules.</summary>
public static unsafe class Classifier
{
    /// <summary>The failure (as a PSObject with class, errorId, category, transient, message) for <paramref name="caught"/>.</summary>
    public static PSObject Classify(ErrorRecord caught) => Classify(caught, Array.Empty<object?>());

    /// <summary>
    /// <see cref="Classify(ErrorRecord)"/>, with the string values of <paramref name="secretSources"/>
    /// (the AuthSession, its options) masked by the core before the text is cut.
    /// </summary>
    public static PSObject Classify(ErrorRecord caught, object?[] secretSources) =>
        (PSObject)JsonBridge.FromJson(ClassifyJson(caught, secretSources))!;

    /// <summary><see cref="Classify(ErrorRecord, object?[])"/>, as the core's failure JSON text.</summary>
    internal static string ClassifyJson(ErrorRecord caught, object?[] secretSources)
    {
        NativeApi.EnsureLoaded();
        RemoteErrorInfo info = RemoteErrorInfo.FromException(caught.Exception ?? new InvalidOperationException(caught.ToString()));
        byte[] json = NativeApi.Utf8Z(JsonBridge.WriteJson(w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("errors");
            w.WriteStartArray();
            info.Write(w);
            w.WriteEndArray();
            w.WritePropertyName("redact");
            SafeText.WriteSecrets(w, secretSources);
            w.WriteEndObject();
        }));
        byte* output = null;
        NativeStatus status;
        fixed (byte* input = json)
        {
            status = NativeApi.ClassifyErrors(input, &output);
        }
        string? failure = NativeApi.TakeString(output);
        if (status != NativeStatus.Ok || failure is null)
        {
            throw DirectorySyncException.FromFailureJson(failure);
        }
        return failure;
    }
}
