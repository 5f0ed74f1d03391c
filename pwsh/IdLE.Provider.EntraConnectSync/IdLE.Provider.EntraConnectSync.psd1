@{
    RootModule           = 'IdLE.Provider.EntraConnectSync.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '17f26773-008e-4209-8d2d-e60a48af32c5'
    Author               = 'IdLE Entra Connect contributors'
    CompanyName          = 'IdLE community'
    Copyright            = '(c) IdLE Entra Connect contributors. Apache License 2.0.'
    Description          = 'IdLE provider that triggers an Entra Connect (ADSync) sync cycle and reads its state through the host''s AuthSession. Core written in Rust.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    RequiredAssemblies   = @('IdLE.EntraConnect.Interop.dll')
    FunctionsToExport    = @('New-IdleEntraConnectDirectorySyncProvider')
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    FileList             = @(
        'IdLE.Provider.EntraConnectSync.psd1'
        'IdLE.Provider.EntraConnectSync.psm1'
        'IdLE.EntraConnect.Interop.dll'
    )
    PrivateData          = @{
        PSData = @{
            Tags         = @(
                'IdLE', 'IdentityLifecycle', 'EntraConnect', 'ADSync', 'AzureADConnect', 'DirectorySync', 'EntraID', 'Provider', 'Windows', 'Linux',
                # The Gallery's discovery tags (Find-PSResource -CommandName reads them); Publish-PSResource
                # copies Tags, it does not derive these. A Pester test checks they match the exports.
                'PSEdition_Core', 'PSIncludes_Function', 'PSFunction_New-IdleEntraConnectDirectorySyncProvider', 'PSCommand_New-IdleEntraConnectDirectorySyncProvider')
            LicenseUri   = 'https://github.com/idle-community/IdLE.DirectorySync.EntraConnect/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/idle-community/IdLE.DirectorySync.EntraConnect'
            ReleaseNotes = 'https://github.com/idle-community/IdLE.DirectorySync.EntraConnect/blob/main/CHANGELOG.md'
        }
    }
}
