# The environment list has one source, deploy/environments.json: the deploy script reads its names from it
# (no ValidateSet to keep in step), and the workflow, which cannot read a file, offers exactly its keys.
# Adding an environment means adding it to the file (and to the workflow's `choice`, which this test
# demands); nothing else.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'support/DeployTestKit.psm1') -Force
    $ProgressPreference = 'SilentlyContinue'
    $script:Root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:Deploy = Get-DeployScriptPath
    $script:File = Join-Path $Root 'deploy/environments.json'
    $script:Keys = @((Get-Content -Raw -LiteralPath $File | ConvertFrom-Json -AsHashtable).Keys)
    $script:Workflow = Get-Content -LiteralPath (Join-Path $Root '.github/workflows/deploy-frontend.yml')
    $script:Work = New-TestTempDir 'bos-deploy-envs'

    # The workflow_dispatch input named `environment`: its type, options and default. A workflow is YAML,
    # and pwsh has no YAML parser here: this reads the one block by its indentation, flow ([a, b]) or
    # block (- a) lists both.
    function Get-DispatchEnvironmentInput([string[]]$Lines) {
        $inDispatch = $false; $inInput = $false; $inputIndent = -1; $inOptions = $false
        $found = @{ Type = $null; Options = @(); Default = $null }
        foreach ($line in $Lines) {
            if ($line -match '^\s*(#.*)?$') { continue }
            $indent = $line.Length - $line.TrimStart().Length
            if ($line -match '^\s*workflow_dispatch:\s*$') { $inDispatch = $true; continue }
            if (-not $inDispatch) { continue }
            if ($indent -eq 0) { break }   # the next top-level key
            if ($inInput -and $indent -le $inputIndent) { break }
            if (-not $inInput -and $line -match '^\s*environment:\s*$') { $inInput = $true; $inputIndent = $indent; continue }
            if (-not $inInput) { continue }
            if ($inOptions -and $line -match '^\s*-\s*(\S+)\s*$') { $found.Options += $Matches[1].Trim('''"'); continue }
            $inOptions = $false
            if ($line -match '^\s*type:\s*(\S+)') { $found.Type = $Matches[1] }
            elseif ($line -match '^\s*default:\s*(\S+)') { $found.Default = $Matches[1].Trim('''"') }
            elseif ($line -match '^\s*options:\s*\[(.*)\]\s*$') { $found.Options = @($Matches[1] -split ',' | ForEach-Object { $_.Trim().Trim('''"') } | Where-Object { $_ }) }
            elseif ($line -match '^\s*options:\s*$') { $inOptions = $true }
        }
        $found
    }

    # A copy of the deploy script in a tree of its own, with its own deploy/environments.json.
    function New-ScriptTree([hashtable]$Environments) {
        $tree = Join-Path $Work ([guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $tree 'scripts'), (Join-Path $tree 'deploy')
        Copy-Item -LiteralPath $Deploy -Destination (Join-Path $tree 'scripts/deploy-frontend.ps1')
        $Environments | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath (Join-Path $tree 'deploy/environments.json') -Encoding utf8
        Join-Path $tree 'scripts/deploy-frontend.ps1'
    }
}

AfterAll {
    if ($Work) { Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'deploy/environments.json is the only list of environments' {
    It 'the workflow offers exactly the file''s environments to a manual run' {
        $choice = Get-DispatchEnvironmentInput $Workflow
        $choice.Type | Should -Be 'choice'
        $choice.Options | Should -Not -BeNullOrEmpty
        ($choice.Options | Sort-Object) -join ',' | Should -BeExactly (($Keys | Sort-Object) -join ',') -Because 'a workflow cannot read deploy/environments.json: keep its choice options equal to the file''s keys'
        $choice.Default | Should -BeIn $Keys
    }

    It 'the environments the workflow deploys by itself (push, pull request) are in the file' {
        $literals = foreach ($line in $Workflow) {
            if ($line -notmatch 'inputs\.environment') { continue }
            [regex]::Matches($line, "(?:&&|\|\|)\s*'([^']+)'") | ForEach-Object { $_.Groups[1].Value }
        }
        $literals | Should -Not -BeNullOrEmpty
        foreach ($name in $literals) { $name | Should -BeIn $Keys }
    }

    It 'its names are lower-case (the script lower-cases -Environment, as ValidateSet allowed any case)' {
        foreach ($k in $Keys) { $k | Should -BeExactly $k.ToLowerInvariant() }
    }

    It 'the script accepts every environment of the file (<_>)' -ForEach @((Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot '../../deploy/environments.json') | ConvertFrom-Json -AsHashtable).Keys) {
        # A missing build directory fails the local preflight, which runs after the name was accepted.
        $faulty = New-FaultyAws (Join-Path $Work "count-$_")
        $r = Invoke-DeployInProcess @{ Environment = $_; BuildDir = (Join-Path $Work 'no-such-dist'); AwsCli = $faulty.Path; Confirm = $false }
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Not -Match 'is not in .*environments\.json'
        $r.Output | Should -Match 'build directory .*no-such-dist does not exist'
    }

    It 'refuses a name the file does not have, naming the file and its environments, before any aws call' {
        $faulty = New-FaultyAws (Join-Path $Work 'count-qa')
        $r = Invoke-DeployProcess @('-Environment', 'qa', '-BuildDir', (Join-Path $Work 'no-such-dist'), '-AwsCli', $faulty.Path)
        $r.ExitCode | Should -Not -Be 0
        $r.Output | Should -Match ([regex]::Escape("environment 'qa' is not in $File (known: $($Keys -join ', '))"))
        Get-AwsCalls $faulty | Should -HaveCount 0
    }

    It 'a new environment needs only the file: a copy of the script with "qa" added accepts it' {
        $envs = Get-Content -Raw -LiteralPath $File | ConvertFrom-Json -AsHashtable
        $envs['qa'] = @{ bucket = 'buildingos-frontend-qa'; distributionId = 'E1234567890QA'; region = 'us-east-1'
                         publicUrl = 'https://buildingos-qa.example.com'; websocketEndpoint = 'wss://websocket-api-qa.example.com' }
        $copy = New-ScriptTree $envs
        $faulty = New-FaultyAws (Join-Path $Work 'count-new-qa')
        $global:LASTEXITCODE = 0
        $out = (& $copy -Environment qa -BuildDir (Join-Path $Work 'no-such-dist') -AwsCli $faulty.Path -WhatIf *>&1 | ForEach-Object { "$_" }) -join "`n"
        $LASTEXITCODE | Should -Be 1
        $out | Should -Match 'build directory .*no-such-dist does not exist'
        Get-AwsCalls $faulty | Should -HaveCount 0
        # And the copy refuses what its file does not have, listing its own environments.
        { & $copy -Environment nope -BuildDir (Join-Path $Work 'no-such-dist') -AwsCli $faulty.Path } | Should -Throw "*environment 'nope' is not in*(known: $((@($envs.Keys)) -join ', '))*"
    }

    It 'completes -Environment with the file''s names' {
        $line = "$Deploy -Environment "
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        @($r.CompletionMatches | ForEach-Object CompletionText) | Should -Be $Keys
    }
}
