using System;
using System.Collections.Generic;

namespace Microsoft.IdentityManagement.PowerShell.ObjectModel
{
    /// <summary>A connector as Get-ADSyncConnector returns it (a useful subset of its properties).</summary>
    public sealed class Connector
    {
        public Guid Identifier { get; set; }
        public string Name { get; set; } = string.Empty;
        public string Description { get; set; } = string.Empty;
        public string Type { get; set; } = string.Empty;
        public string Subtype { get; set; } = string.Empty;
        public int Version { get; set; }
        public DateTime CreationTime { get; set; }
        public DateTime LastModificationTime { get; set; }
        public List<RunProfile> RunProfiles { get; set; } = new List<RunProfile>();
    }

    /// <summary>A run profile of a connector.</summary>
    public sealed class RunProfile
    {
        public Guid Identifier { get; set; }
        public string Name { get; set; } = string.Empty;

        public override string ToString() => Name;
    }
}
