# Test doubles for the engine-hosted suite: scripted AuthSessions and ADSync-shaped answers.
# Written for the PowerShell engine alone (no Utility or Management cmdlets).
Set-StrictMode -Version Latest

function New-TestSession {
    <#
    .SYNOPSIS
    A scripted AuthSession. InvokeCommand runs the handler registered for the command name and
    records every call; with -Deserialize, each output object passes through PSSerializer first,
    as PowerShell remoting would deliver it.
    #>
    [CmdletBinding()]
    param(
        [hashtable] $Handlers = @{},
        [switch] $Deserialize
    )
    $session = [pscustomobject]@{
        PSTypeName  = 'Test.AuthSession'
        Calls       = [System.Collections.Generic.List[object]]::new()
        Handlers    = $Handlers
        Deserialize = [bool] $Deserialize
    }
    $session.PSObject.Members.Add([psscriptmethod]::new('InvokeCommand', {
                param([string] $CommandName, [hashtable] $Parameters)
                $this.Calls.Add([pscustomobject]@{ CommandName = $CommandName; Parameters = $Parameters })
                $handler = $this.Handlers[$CommandName]
                if ($null -eq $handler) {
                    throw "No handler for '$CommandName' in the test session."
                }
                $output = & $handler $Parameters
                if ($this.Deserialize) {
                    foreach ($item in $output) {
                        [System.Management.Automation.PSSerializer]::Deserialize(
                            [System.Management.Automation.PSSerializer]::Serialize($item))
                    }
                }
                else {
                    $output
                }
            }))
    $session
}

function Write-TestError {
    <#
    .SYNOPSIS
    Writes a non-terminating error, as a compiled cmdlet's WriteError does (Write-Error is not in
    the engine alone).
    #>
    [CmdletBinding()]
    param(
        [string] $Message,
        [string] $ExceptionType = 'System.InvalidOperationException',
        [string] $ErrorId = 'TestError',
        [System.Management.Automation.ErrorCategory] $Category = 'NotSpecified'
    )
    $PSCmdlet.WriteError((New-TestErrorRecord -Message $Message -ExceptionType $ExceptionType -ErrorId $ErrorId -Category $Category))
}

function New-TestErrorRecord {
    <# .SYNOPSIS An ErrorRecord, optionally after a PSSerializer round trip (remoting's shape). #>
    param(
        [string] $Message,
        [string] $ExceptionType = 'System.InvalidOperationException',
        [string] $ErrorId = 'TestError',
        [System.Management.Automation.ErrorCategory] $Category = 'NotSpecified',
        [switch] $Deserialize
    )
    $exceptionClass = [type] $ExceptionType
    $exception = $exceptionClass::new($Message)
    $record = [System.Management.Automation.ErrorRecord]::new($exception, $ErrorId, $Category, $null)
    if ($Deserialize) {
        return [System.Management.Automation.PSSerializer]::Deserialize(
            [System.Management.Automation.PSSerializer]::Serialize($record))
    }
    $record
}

function New-TestScheduler {
    <# .SYNOPSIS A Get-ADSyncScheduler-shaped object with the real property names and types. #>
    param([hashtable] $Override = @{})
    $scheduler = [ordered]@{
        AllowedSyncCycleInterval            = [timespan]::FromMinutes(30)
        CurrentlyEffectiveSyncCycleInterval = [timespan]::FromMinutes(30)
        CustomizedSyncCycleInterval         = $null
        NextSyncCyclePolicyType             = 'Delta'
        NextSyncCycleStartTimeInUTC         = [datetime]::new(2026, 11, 23, 12, 0, 0, [System.DateTimeKind]::Utc)
        PurgeRunHistoryInterval             = [timespan]::FromDays(7)
        SyncCycleEnabled                    = $true
        MaintenanceEnabled                  = $true
        StagingModeEnabled                  = $false
        SchedulerSuspended                  = $false
        SyncCycleInProgress                 = $false
    }
    foreach ($key in $Override.Keys) {
        $scheduler[$key] = $Override[$key]
    }
    [pscustomobject] $scheduler
}

function New-HappySession {
    <# .SYNOPSIS A session whose server accepts every trigger and reports an idle scheduler. #>
    param([switch] $Deserialize)
    New-TestSession -Deserialize:$Deserialize -Handlers @{
        'Start-ADSyncSyncCycle' = { param($p) [pscustomobject]@{ Result = 'Success' } }
        'Get-ADSyncScheduler'   = { param($p) New-TestScheduler }
    }
}

function Get-TestFailure {
    <#
    .SYNOPSIS
    Runs an action expected to fail and describes the failure as a host sees it: the outer
    message (IdLE's method-call wrapper included) and the classified ErrorRecord inside.
    #>
    param([scriptblock] $Action)
    try {
        $null = & $Action
    }
    catch {
        $classified = [IdLE.EntraConnect.Interop.ErrorRecords]::FindClassified($_)
        if ($null -eq $classified) {
            return [pscustomobject]@{ ErrorId = $null; Category = $null; Message = $_.Exception.Message; Inner = $null; Transient = $false; Record = $_ }
        }
        return [pscustomobject]@{
            ErrorId   = $classified.ErrorId
            Category  = $classified.ErrorRecord.CategoryInfo.Category.ToString()
            Message   = $_.Exception.Message
            Inner     = $classified.Message
            Transient = [bool] $classified.Data['Idle.IsTransient']
            Record    = $_
        }
    }
    throw 'The action did not fail.'
}
