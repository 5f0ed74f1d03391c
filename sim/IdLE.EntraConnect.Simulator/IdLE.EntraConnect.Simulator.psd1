@{
    RootModule           = 'IdLE.EntraConnect.Simulator.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5f0c7a52-3d1e-4b8e-9c61-2a7d4e0b9f13'
    Author               = 'IdLE contributors'
    CompanyName          = 'IdLE'
    Copyright            = '(c) IdLE contributors. All rights reserved.'
    Description          = 'A stand-in Entra Connect (ADSync) server for tests and demos: the real ADSync cmdlet names, output and error shapes, with sync cycles that progress with time and a state file shared across processes. Not the ADSync module.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    CmdletsToExport      = @(
        'Start-ADSyncSyncCycle'
        'Get-ADSyncScheduler'
        'Get-ADSyncConnectorRunStatus'
        'Get-ADSyncRunProfileResult'
        'Get-ADSyncConnector'
        'Reset-ADSyncSimulator'
        'Set-ADSyncSimulatorScenario'
        'Get-ADSyncSimulatorScenario'
        'Get-ADSyncSimulatorState'
        'Set-ADSyncSimulatorClock'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('EntraConnect', 'ADSync', 'Simulator', 'Testing', 'IdLE')
        }
    }
}
