#!/usr/bin/env pwsh
# tests/deploy/run.ps1: the deploy tests (Pester 5) for scripts/test's `deploy` tier.
#
#   pwsh -NoProfile -NonInteractive -File tests/deploy/run.ps1 [-File Faults] [-Filter '*rollback*'] [-Parallel 1]
#
# Each *.Tests.ps1 file runs in its own pwsh process (they start their own s3rver and CloudFront double on
# free ports), two at a time: most of the time goes into starting the aws CLI (about a second a call).
# Prints one TAP line per test ("ok N - name" / "not ok N - name"), then "# pass N", "# fail N", and exits
# non-zero on any failure. Per-file Pester logs: artifacts/test/deploy/<file>.log.
param(
    [string[]]$File,                 # test files by base name (Unit, Deploy, Faults, Guard); default all
    [string]$Filter,                 # Pester FullName filter (wildcards)
    [int]$Parallel = 2,
    [int]$FileTimeoutSec = 1200      # stops a hung file; the tier budget is scripts/test's business
)
$ErrorActionPreference = 'Stop'
$root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
# The pwsh on PATH (a dotnet global tool reports `dotnet` as its process path).
$pwsh = @(Get-Command pwsh -CommandType Application -ErrorAction SilentlyContinue)[0].Source ?? (Join-Path $PSHOME 'pwsh')
$logDir = Join-Path $root 'artifacts/test/deploy'
$null = New-Item -ItemType Directory -Force -Path $logDir
# Everything of this run (results, and as each file's TMPDIR: fixtures, s3rver data, the deploy script's
# temp files) goes under one directory of its own, removed at the end even if a file had to be killed.
# Two runs at once (two sessions) never share it. Leftovers of runs that were killed are swept.
$tmpBase = [System.IO.Path]::GetTempPath()
Get-ChildItem -LiteralPath $tmpBase -Directory -Filter 'bos-deploy-run-*' -ErrorAction SilentlyContinue |
    Where-Object { $_.LastWriteTime -lt (Get-Date).AddHours(-6) } | Remove-Item -Recurse -Force -ErrorAction SilentlyContinue
$resultDir = Join-Path $tmpBase ('bos-deploy-run-' + [guid]::NewGuid().ToString('n').Substring(0, 12))
$null = New-Item -ItemType Directory -Path $resultDir
$clock = [System.Diagnostics.Stopwatch]::StartNew()

$files = @(Get-ChildItem -LiteralPath $PSScriptRoot -Filter '*.Tests.ps1' | Sort-Object Name)
$File = @($File | ForEach-Object { $_ -split ',' } | Where-Object { $_ })   # -File passes "a,b" as one string
if ($File) { $files = @($files | Where-Object { ($_.BaseName -replace '\.Tests$', '') -in $File }) }
if (-not $files) { Write-Output 'not ok 1 - no test files found'; Write-Output '# pass 0'; Write-Output '# fail 1'; exit 1 }
# The slowest first, so the two slots end together.
$order = @{ 'Faults.Tests.ps1' = 0; 'Deploy.Tests.ps1' = 1; 'Guard.Tests.ps1' = 2 }
$files = @($files | Sort-Object { if ($order.ContainsKey($_.Name)) { $order[$_.Name] } else { 9 } })

$pending = [System.Collections.Generic.Queue[object]]::new()
foreach ($f in $files) { $pending.Enqueue($f) }
$running = [System.Collections.Generic.List[object]]::new()

function Start-TestFile($f) {
    $name = $f.BaseName -replace '\.Tests$', ''
    $result = Join-Path $resultDir "$name.result.json"
    $log = Join-Path $logDir "$name.log"
    Remove-Item -LiteralPath $result -ErrorAction SilentlyContinue
    $psi = [System.Diagnostics.ProcessStartInfo]::new($pwsh)
    foreach ($a in '-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'support/run-file.ps1'), '-TestFile', $f.FullName, '-ResultFile', $result) {
        $psi.ArgumentList.Add($a)
    }
    if ($Filter) { $psi.ArgumentList.Add('-FullNameFilter'); $psi.ArgumentList.Add($Filter) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    $psi.UseShellExecute = $false
    $psi.WorkingDirectory = $root
    $psi.Environment['TMPDIR'] = (New-Item -ItemType Directory -Force -Path (Join-Path $resultDir "$name.tmp")).FullName
    $p = [System.Diagnostics.Process]::Start($psi)
    $p.StandardInput.Close()
    [pscustomobject]@{
        Name = $name; Process = $p; Result = $result; Log = $log; Started = $clock.Elapsed.TotalSeconds
        Stdout = $p.StandardOutput.ReadToEndAsync(); Stderr = $p.StandardError.ReadToEndAsync(); TimedOut = $false
    }
}

# TAP lines for one finished file, printed as soon as it finishes (so a run cut short still shows them).
$script:n = 0; $script:pass = 0; $script:fail = 0; $script:skip = 0
function Write-FileResults($r) {
    Write-Output "# $($r.Name).Tests.ps1 (log: $([System.IO.Path]::GetRelativePath($root, $r.Log)))"
    $data = if (Test-Path -LiteralPath $r.Result) { Get-Content -Raw -LiteralPath $r.Result | ConvertFrom-Json } else { $null }
    if (-not $data -or $r.TimedOut) {
        $script:n++; $script:fail++
        $why = if ($r.TimedOut) { "timed out after $FileTimeoutSec s" } else { "exited $($r.Process.ExitCode) without results" }
        Write-Output "not ok $script:n - $($r.Name).Tests.ps1 $why"
        ($r.Stdout.Result + $r.Stderr.Result) -split "`n" | Select-Object -Last 30 | ForEach-Object { Write-Output "  # $_" }
        return
    }
    foreach ($e in @($data.containerErrors)) {
        if (-not $e) { continue }
        $script:n++; $script:fail++
        Write-Output "not ok $script:n - $($r.Name).Tests.ps1 setup failed"
        $e -split "`n" | ForEach-Object { Write-Output "  # $_" }
    }
    foreach ($t in @($data.tests)) {
        if ($t.result -eq 'NotRun') { continue }          # left out by -Filter
        $script:n++
        switch ($t.result) {
            'Passed' { $script:pass++; Write-Output "ok $script:n - $($t.name) ($($t.seconds) s)" }
            'Skipped' { $script:skip++; Write-Output "ok $script:n - $($t.name) # SKIP" }
            default {
                $script:fail++
                Write-Output "not ok $script:n - $($t.name)"
                "$($t.error)" -split "`n" | Select-Object -First 25 | ForEach-Object { Write-Output "  # $_" }
            }
        }
    }
}

try {
    while ($pending.Count -or $running.Count) {
        while ($pending.Count -and $running.Count -lt [Math]::Max(1, $Parallel)) { $running.Add((Start-TestFile $pending.Dequeue())) }
        Start-Sleep -Milliseconds 200
        foreach ($r in @($running)) {
            if (-not $r.Process.HasExited -and $clock.Elapsed.TotalSeconds - $r.Started -gt $FileTimeoutSec) {
                $r.TimedOut = $true
                $r.Process.Kill($true)
            }
            if ($r.Process.HasExited) {
                $r.Process.WaitForExit()
                Set-Content -LiteralPath $r.Log -Value ($r.Stdout.Result + "`n--- stderr ---`n" + $r.Stderr.Result) -Encoding utf8
                $running.Remove($r) | Out-Null
                Write-FileResults $r
            }
        }
    }
} finally {
    # Whatever happens here (Ctrl+C, a crash), no test process outlives the run, and its files go.
    foreach ($r in $running) { if (-not $r.Process.HasExited) { $r.Process.Kill($true) } }
    Remove-Item -LiteralPath $resultDir -Recurse -Force -ErrorAction SilentlyContinue
}
$n = $script:n; $pass = $script:pass; $fail = $script:fail; $skip = $script:skip
Write-Output "1..$n"
Write-Output "# tests $n"
Write-Output "# skip $skip"
Write-Output "# duration $([Math]::Round($clock.Elapsed.TotalSeconds, 1)) s"
Write-Output "# pass $pass"
Write-Output "# fail $fail"
exit ([int]($fail -gt 0 -or $n -eq 0))
