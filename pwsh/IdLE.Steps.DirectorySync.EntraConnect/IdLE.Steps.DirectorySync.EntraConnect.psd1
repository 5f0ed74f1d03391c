@{
    RootModule           = 'IdLE.Steps.DirectorySync.EntraConnect.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = 'eeda4b3f-7f1c-4ad0-b300-17736f85bca5'
    Author               = 'IdLE Entra Connect contributors'
    CompanyName          = 'IdLE community'
    Copyright            = '(c) IdLE Entra Connect contributors. Apache License 2.0.'
    Description          = 'IdLE step pack: IdLE.Step.TriggerDirectorySync triggers an Entra Connect sync cycle and, optionally, waits until it has really finished.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    # The wait machine lives in the provider module's native core; one copy per process.
    RequiredModules      = @(
        @{ ModuleName = 'IdLE.Provider.DirectorySync.EntraConnect'; ModuleVersion = '0.1.0'; GUID = '6d069731-75ff-43d1-836a-86d7b95d3404' }
    )
    FunctionsToExport    = @('Invoke-IdleStepTriggerDirectorySync', 'Get-IdleStepMetadataCatalog')
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    FileList             = @(
        'IdLE.Steps.DirectorySync.EntraConnect.psd1'
        'IdLE.Steps.DirectorySync.EntraConnect.psm1'
        'StepMetadataCatalog.psd1'
    )
    PrivateData          = @{
        PSData = @{
            Tags         = @('IdLE', 'IdentityLifecycle', 'EntraConnect', 'ADSync', 'AzureADConnect', 'DirectorySync', 'EntraID', 'Step', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://github.com/idle-community/IdLE.DirectorySync.EntraConnect/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/idle-community/IdLE.DirectorySync.EntraConnect'
            ReleaseNotes = 'https://github.com/idle-community/IdLE.DirectorySync.EntraConnect/blob/main/CHANGELOG.md'
        }
    }
}
