#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# How the interop layer finds and loads the native core. A library loads once per process, so
# the failure paths run in a fresh pwsh with IDLE_ENTRACONNECT_NATIVE_PATH set.

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $script:Modules = Initialize-IdleEcTestModules

    function Invoke-WithNativeOverride {
        # Imports the installed provider by name in a fresh pwsh and creates a provider.
        param([string] $Override)
        $script = @'
Import-Module IdLE.Provider.EntraConnectSync -ErrorAction Stop
try { $null = New-IdleEntraConnectDirectorySyncProvider } catch { $_.FullyQualifiedErrorId; $_.Exception.Message; exit 3 }
'unreachable'
'@
        Invoke-IdleEcFreshPwsh -Script $script -Environment @{ IDLE_ENTRACONNECT_NATIVE_PATH = $Override }
    }
}

Describe 'The native library loader' {
    It 'finds the library under runtimes/RID/native beside the manifest and reports its version' {
        $rid = [IdLE.EntraConnect.Interop.NativeLibraryLocator]::RuntimeIdentifier
        $rid | Should -Match '^(win|linux|osx)-(x64|arm64)$'
        $path = [IdLE.EntraConnect.Interop.NativeLibraryLocator]::LibraryPath
        Split-Path $path | Should -Be ([System.IO.Path]::Combine((Split-Path $script:Modules.ProviderManifest), 'runtimes', $rid, 'native'))
        $path | Should -Exist
        [IdLE.EntraConnect.Interop.EntraConnectProvider]::NativeVersion | Should -Match '^\d+\.\d+\.\d+'
    }

    It 'fails NativeLibraryUnavailable with the RID, the path and the variable when the library is missing' {
        $missing = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'idle-ec-no-such-dir', 'libidle_entraconnect.so')
        $run = Invoke-WithNativeOverride -Override $missing
        $run.ExitCode | Should -Be 3
        $run.Text | Should -Match 'IdLE\.DirectorySync\.NativeLibraryUnavailable'
        $run.Text | Should -Match ([regex]::Escape($missing))
        $run.Text | Should -Match '(win|linux|osx)-(x64|arm64)'
        $run.Text | Should -Match 'IDLE_ENTRACONNECT_NATIVE_PATH'
    }

    It 'refuses a relative override rather than resolving it against the process directory' {
        $run = Invoke-WithNativeOverride -Override ([System.IO.Path]::Combine('lib', 'libidle_entraconnect.so'))
        $run.ExitCode | Should -Be 3
        $run.Text | Should -Match 'IdLE\.DirectorySync\.NativeLibraryUnavailable'
        $run.Text | Should -Match 'must be an absolute path'
    }

    It 'fails cleanly, without crashing the process, on a file that is not a library' {
        $junk = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "idle-ec-junk-$([guid]::NewGuid().ToString('N')).so")
        [System.IO.File]::WriteAllText($junk, 'not a shared library')
        try {
            $run = Invoke-WithNativeOverride -Override $junk
            $run.ExitCode | Should -Be 3
            $run.Text | Should -Match 'IdLE\.DirectorySync\.NativeLibraryUnavailable'
            $run.Text | Should -Not -Match 'unreachable'
        }
        finally {
            [System.IO.File]::Delete($junk)
        }
    }
}
