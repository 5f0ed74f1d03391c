# An AuthSession shaped like PowerShell remoting: the command runs against the simulator, its
# output crosses PSSerializer (Deserialized.* property bags), and its errors, terminating or not,
# arrive in the local error stream as remoting delivers them (a RemoteException carrying the
# serialized original exception). Engine-only code. Used by Serialization.Tests.ps1; the
# execution context comes from TestHelpers.ps1 (New-TestContext).
Set-StrictMode -Version Latest

function Write-RemoteError {
    [CmdletBinding()]
    param([System.Management.Automation.ErrorRecord] $Original)
    $serializedException = [System.Management.Automation.PSSerializer]::Deserialize(
        [System.Management.Automation.PSSerializer]::Serialize($Original.Exception))
    # Remoting's own constructor (message + the serialized original) is not public.
    $flags = [System.Reflection.BindingFlags] 'Instance, Public, NonPublic'
    $signature = [type[]] @([string], [psobject], [psobject])
    $constructor = [System.Management.Automation.RemoteException].GetConstructor($flags, $null, $signature, $null)
    $remote = $constructor.Invoke(@($Original.Exception.Message, $serializedException, $null))
    $record = [System.Management.Automation.ErrorRecord]::new($remote, $Original.FullyQualifiedErrorId, $Original.CategoryInfo.Category, $null)
    $PSCmdlet.WriteError($record)
}

function New-RemotingShapedSession {
    param()
    $session = [pscustomobject]@{ PSTypeName = 'Test.RemotingShapedSession'; Calls = 0 }
    $session.PSObject.Members.Add([psscriptmethod]::new('InvokeCommand', {
                param([string] $CommandName, [hashtable] $Parameters)
                $this.Calls++
                $errors = $null
                $output = $null
                try {
                    $output = & $CommandName @Parameters -ErrorVariable errors -ErrorAction SilentlyContinue
                }
                catch {
                    # Invoke-Command reports a remote terminating error in the error stream too.
                    Write-RemoteError -Original $_
                }
                foreach ($item in $output) {
                    [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($item))
                }
                foreach ($record in @($errors)) {
                    if ($null -ne $record) { Write-RemoteError -Original $record }
                }
            }))
    $session
}
