# An AuthSession shaped like PowerShell remoting: the command runs against the simulator, its
# output crosses PSSerializer (Deserialized.* property bags), and its errors, terminating or not,
# arrive in the local error stream as remoting delivers them (a RemoteException carrying the
# serialized original exception). Engine-only code.
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

function New-TestContext {
    # The part of IdLE's execution context the step uses, recording events.
    param([object] $Session, [hashtable] $Providers)
    $events = [System.Collections.Generic.List[object]]::new()
    $context = [pscustomobject]@{ Providers = $Providers; Session = $Session; Events = $events; EventSink = [pscustomobject]@{ Events = $events } }
    $context.EventSink.PSObject.Members.Add([psscriptmethod]::new('WriteEvent', {
                param([string] $Type, [string] $Message, [string] $StepName, [hashtable] $Data)
                $this.Events.Add([pscustomobject]@{ Type = $Type; Message = $Message; StepName = $StepName; Data = $Data })
            }))
    $context.PSObject.Members.Add([psscriptmethod]::new('AcquireAuthSession', {
                param([string] $Name, [object] $Options)
                $this.Session
            }))
    $context
}
