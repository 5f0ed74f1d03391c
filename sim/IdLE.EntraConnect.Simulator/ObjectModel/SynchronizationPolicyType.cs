namespace Microsoft.IdentityManagement.PowerShell.ObjectModel
{
    /// <summary>The sync cycle policy, named and numbered like ADSync's enum.</summary>
    public enum SynchronizationPolicyType
    {
        Unspecified = 0,
        Delta = 1,
        Initial = 2,
    }
}
