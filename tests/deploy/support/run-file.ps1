# Runs one Pester file and writes its results as JSON for tests/deploy/run.ps1 (which runs several of
# these at once). Pester's own detailed output goes to stdout, which run.ps1 keeps in a log.
param(
    [Parameter(Mandatory)][string]$TestFile,
    [Parameter(Mandatory)][string]$ResultFile,
    [string]$FullNameFilter
)
$ErrorActionPreference = 'Stop'
$root = (Resolve-Path (Join-Path $PSScriptRoot '../../..')).Path
Import-Module (Join-Path $root '.deps/pester/5.7.1/Pester.psd1') -Force
$ProgressPreference = 'SilentlyContinue'

$config = New-PesterConfiguration
$config.Run.Path = $TestFile
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.Should.ErrorAction = 'Stop'
if ($FullNameFilter) { $config.Filter.FullName = $FullNameFilter }
$result = Invoke-Pester -Configuration $config

$tests = foreach ($t in $result.Tests) {
    [ordered]@{
        name     = $t.ExpandedPath
        result   = "$($t.Result)"
        seconds  = [Math]::Round($t.Duration.TotalSeconds, 2)
        error    = (@($t.ErrorRecord) | Where-Object { $_ } | ForEach-Object { "$_" }) -join "`n"
    }
}
$containerErrors = foreach ($c in $result.Containers) {
    if ("$($c.Result)" -eq 'Failed' -and $c.ErrorRecord) { (@($c.ErrorRecord) | ForEach-Object { "$_" }) -join "`n" }
}
[ordered]@{ file = $TestFile; tests = @($tests); containerErrors = @($containerErrors) } |
    ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $ResultFile -Encoding utf8
