# Helpers for Commands.Tests.ps1: the commands the docs show, how each is checked, a clean login shell.
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../../..')).Path

# Every command in README.md, devserver/README.md and docs/*.md: @{ Command; Where = 'file:line, ...' }.
function Get-DocCommands {
    $root = $script:RepoRoot
    $docs = @('README.md', 'devserver/README.md') + @(Get-ChildItem -LiteralPath (Join-Path $root 'docs') -Filter '*.md' | Sort-Object Name | ForEach-Object { "docs/$($_.Name)" })
    $word = '^(scripts/[A-Za-z0-9_.-]+|pwsh|cmake|ctest|node|aws|xvfb-run)$'
    $found = [ordered]@{}
    foreach ($doc in $docs) {
        $lines = @(Get-Content -LiteralPath (Join-Path $root $doc) -Encoding utf8)
        $fence = $null
        for ($i = 0; $i -lt $lines.Count; $i++) {
            $line = $lines[$i]
            if ($line -match '^\s*```\s*([A-Za-z]*)') {
                $fence = if ($null -eq $fence) { $Matches[1] } else { $null }
                continue
            }
            $candidates = if ($null -ne $fence) {
                if ($fence -notin @('', 'sh', 'bash', 'shell', 'console', 'powershell', 'pwsh')) { @() }
                else { , ($line -replace '(^|\s)#.*$', '') }                              # a comment ends the line
            } else {
                @([regex]::Matches($line, '`([^`]+)`') | ForEach-Object { $_.Groups[1].Value })
            }
            foreach ($c in $candidates) {
                # One command per segment of a list or pipeline.
                foreach ($segment in ($c -split '\s*(?:&&|\s&\s|;|\s\|\s)\s*')) {
                    $text = $segment.Trim()
                    if (-not $text) { continue }
                    $first = @($text -split '\s+')[0]
                    if ($first -notmatch $word) { continue }
                    if (-not $found.Contains($text)) { $found[$text] = [System.Collections.Generic.List[string]]::new() }
                    $found[$text].Add("${doc}:$($i + 1)")
                }
            }
        }
    }
    @(foreach ($k in $found.Keys) { @{ Command = $k; Where = ($found[$k] -join ', ') } })
}

# Runs COMMAND in a clean login shell in the repository: what a developer's new terminal has.
function Invoke-Login([string]$Command, [hashtable]$Environment = @{}, [int]$TimeoutSec = 120) {
    $psi = [System.Diagnostics.ProcessStartInfo]::new('/usr/bin/env')
    $assign = @($Environment.Keys | ForEach-Object { "$_=$($Environment[$_])" })
    foreach ($a in @('-i', "HOME=$HOME") + $assign + @('bash', '-lc', "cd '$script:RepoRoot' && $Command")) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    $psi.UseShellExecute = $false
    $p = [System.Diagnostics.Process]::Start($psi)
    $p.StandardInput.Close()
    $out = $p.StandardOutput.ReadToEndAsync()
    $err = $p.StandardError.ReadToEndAsync()
    if (-not $p.WaitForExit($TimeoutSec * 1000)) { $p.Kill($true); return [pscustomobject]@{ ExitCode = -1; Output = "timed out after $TimeoutSec s: $Command" } }
    $p.WaitForExit()
    [pscustomobject]@{ ExitCode = $p.ExitCode; Output = $out.Result + $err.Result }
}

# A PowerShell script: pwsh and the file resolved in the login shell; its parameters read in this pwsh
# process (Syntax), without running it (`-?` would run a script that has no [CmdletBinding()]:
# tests/deploy/run.ps1 ran the whole tier, this file included) and without starting one more pwsh.
# -Direct: typed without `pwsh`, so it must be executable (its #!/usr/bin/env pwsh line does the rest).
function Get-ScriptCheck([string]$Script, [switch]$Direct) {
    $x = if ($Direct) { "test -x $Script" } else { "test -f $Script" }
    @{ Run = "command -v pwsh && $x && echo found"; Expect = '/pwsh\s+found'; Syntax = $Script }
}

# How each command is checked: the login-shell command to run, and what its output must show.
function Get-Check([string]$Command) {
    $words = @([regex]::Matches($Command, '''[^'']*''|"[^"]*"|\S+') | ForEach-Object { $_.Value })   # quotes kept together
    $first = $words[0]
    $rest = @($words | Select-Object -Skip 1)
    if ($first -like 'scripts/*') {
        if ($first -like '*.ps1') { return Get-ScriptCheck $first -Direct }
        # scripts/test takes tier names; its --list is its help. The others print their header or usage.
        if ($first -eq 'scripts/test') { return @{ Run = 'test -x scripts/test && scripts/test --list'; Expect = 'native \(budget \d+ s\)' } }
        return @{ Run = "test -x $first && $first --help"; Expect = '(?i)usage|' + [regex]::Escape($first) }
    }
    switch ($first) {
        'pwsh' {
            $script = $rest | Where-Object { $_ -like '*.ps1' } | Select-Object -First 1
            if ($script) { return Get-ScriptCheck $script }
            return @{ Run = 'command -v pwsh && pwsh -v'; Expect = 'PowerShell 7\.' }
        }
        { $_ -in 'cmake', 'ctest' } {
            $presets = @([regex]::Matches($Command, '--preset[ =](\S+)') | ForEach-Object { $_.Groups[1].Value })
            if (-not $presets) { return @{ Run = "$first --version"; Expect = "$first version" } }
            $list = if ($first -eq 'ctest') { 'ctest --list-presets' } elseif ($Command -match '--build') { 'cmake --build --list-presets' } else { 'cmake --list-presets' }
            return @{ Run = $list; Expect = ($presets | ForEach-Object { '"' + [regex]::Escape($_) + '"' }) -join '[\s\S]*' }
        }
        'node' {
            $target = $rest | Where-Object { $_ -notlike '-*' } | Select-Object -First 1
            if (-not $target) { return @{ Run = "node $($rest -join ' ') -e 'process.stdout.write(process.version)'"; Expect = '^v\d+' } }
            if ($rest -contains '--test') { return @{ Run = "command -v node && test -e $target && node --help"; Expect = '--test\b' } }
            return @{ Run = "command -v node && node --check $target && echo checked"; Expect = 'checked' }
        }
        'xvfb-run' {
            # xvfb-run [its options] COMMAND...: xvfb-run itself, and the command it wraps checked as usual.
            $i = 0
            $withValue = @('-s', '--server-args', '-n', '--server-num', '-f', '--auth-file', '-e', '--error-file', '-p', '--xauth-protocol', '-w', '--wait')
            while ($i -lt $rest.Count -and $rest[$i] -like '-*') {
                if ($rest[$i] -in $withValue) { $i += 2 } else { $i += 1 }
            }
            $inner = if ($i -lt $rest.Count) { Get-Check (($rest | Select-Object -Skip $i) -join ' ') } else { $null }
            if (-not $inner) { return @{ Run = 'command -v xvfb-run && command -v xauth && command -v Xvfb'; Expect = 'xvfb-run' } }
            return @{ Run = "command -v xvfb-run && command -v xauth && command -v Xvfb && $($inner.Run)"; Expect = "xvfb-run[\s\S]*$($inner.Expect)" }
        }
        'aws' {
            # The service and operation: the words before the first option (`aws dynamodb put-item --table-name ...`).
            $sub = @()
            foreach ($w in $rest) { if ($w -like '-*' -or $w -eq '\') { break }; $sub += $w }
            if (-not $sub) { return @{ Run = 'command -v aws && aws --version'; Expect = 'aws-cli/\d' } }   # `aws`, `aws --version`
            return @{ Run = "aws $($sub -join ' ') help"; Expect = [regex]::Escape($sub[-1].ToUpperInvariant()) + '|' + [regex]::Escape($sub[-1]) }
        }
    }
    $null
}

Export-ModuleMember -Function Get-DocCommands, Invoke-Login, Get-Check
