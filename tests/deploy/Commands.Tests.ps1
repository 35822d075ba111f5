# Every command README.md, docs/*.md and devserver/README.md show, as a developer types it on a fresh
# machine: resolved from a clean login shell (`env -i HOME=$HOME bash -l`, in the repository), and run with
# its --help or --list (or the closest harmless form, listed below with why); the README's deploy runs as
# typed with -WhatIf against s3rver and the CloudFront double.
#
# Commands come from fenced code blocks (every line whose first word is a known command) and from inline
# code spans that start with one (`scripts/...`, `pwsh ...`, `cmake ...`, `ctest ...`, `node ...`, `aws ...`).
# A command no rule below knows how to check fails the test: add a rule, or a line to $NotRunAsTyped.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'support/DocCommands.psm1') -Force
    $script:DocCommands = Get-DocCommands
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'support/DeployTestKit.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'support/DocCommands.psm1') -Force
    $ProgressPreference = 'SilentlyContinue'
    $script:DocCommands = Get-DocCommands
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

    # Shown in the docs, but not run as typed here; what is checked instead.
    $script:NotRunAsTyped = [ordered]@{
        '^scripts/(dev|test|build|bench|fuzz|coverage|devserver|bootstrap)\b' = '--help (or --list) only: each builds, serves or runs for minutes; scripts/test runs them all'
        '^scripts/resident-link\b'                  = '--help only: a real link needs the environment''s signing secret (the backend tier runs it)'
        '^pwsh( -\S+)* scripts/deploy-frontend\.ps1' = 'resolved, and its parameters read (Get-Command -Syntax): it deploys to AWS; the README prod -WhatIf line runs for real against s3rver below'
        '^pwsh( -\S+)* tests/deploy/run\.ps1'        = 'resolved, and its parameters read (Get-Command -Syntax): it is this tier (running it here would recurse)'
        '^(cmake|ctest) .*--preset'                  = 'the named presets are listed by cmake/ctest --list-presets: the builds are scripts/test''s'
        '^node --test '                              = 'the path exists: it is the e2e tier'
        '^node bench/'                               = 'node --check only: it drives a browser for minutes (scripts/bench runs it)'
        '^aws cloudfront wait '                      = '`aws ... help` only: it needs a real distribution'
        '^aws dynamodb '                             = '`aws ... help` only: it writes to a production table'
    }

    # Every check once (many lines share one: scripts/bench --quick and --runs 5), four at a time.
    $checks = @{}
    foreach ($c in $DocCommands) { $k = Get-Check $c.Command; if ($k) { $checks[$k.Run] = $k } }
    $module = Join-Path $PSScriptRoot 'support/DocCommands.psm1'
    $script:CheckResults = @{}      # (not $Results: variables ignore case, and a local $results would hide it)
    $finished = $checks.Keys | ForEach-Object -ThrottleLimit 4 -Parallel {
        Import-Module $using:module
        $r = Invoke-Login $_
        [pscustomobject]@{ Run = $_; ExitCode = $r.ExitCode; Output = $r.Output }
    }
    foreach ($r in $finished) { $script:CheckResults[$r.Run] = $r }
}

Describe 'the commands the README and docs show' {
    It 'finds the commands (the parser still reads the docs)' {
        $DocCommands.Count | Should -BeGreaterThan 20
        $DocCommands.Command | Should -Contain 'pwsh scripts/deploy-frontend.ps1 -Environment prod -WhatIf'
        $DocCommands.Command | Should -Contain 'scripts/test'
    }

    It '<Command> (<Where>)' -ForEach $DocCommands {
        $check = Get-Check $Command
        $check | Should -Not -BeNullOrEmpty -Because "no rule knows how to check '$Command': add one to Commands.Tests.ps1"
        $r = $CheckResults[$check.Run]
        $r.ExitCode | Should -Be 0 -Because "'$($check.Run)' from a clean login shell printed: $($r.Output)"
        $r.Output | Should -Match $check.Expect
        if ($check.Syntax) {
            $syntax = Get-Command -Syntax (Join-Path $RepoRoot $check.Syntax) | Out-String
            $syntax | Should -Match "$([regex]::Escape([System.IO.Path]::GetFileName($check.Syntax))) \[+-\w+" -Because 'its parameters parse'
        }
    }

    It 'every line of the not-run list still names a command the docs show' {
        foreach ($pattern in $NotRunAsTyped.Keys) {
            @($DocCommands.Command | Where-Object { $_ -match $pattern }) | Should -Not -BeNullOrEmpty -Because "'$pattern' ($($NotRunAsTyped[$pattern])) matches nothing any more"
        }
    }
}

Describe 'the README deploy, as typed in a login shell' {
    BeforeAll {
        $script:Work = New-TestTempDir 'bos-deploy-commands'
        $script:S3 = Start-S3rver @('buildingos-frontend-prod')
        $script:CF = Start-CloudFrontDouble
        $script:Site = New-FixtureDist (Join-Path $Work 'site')
    }
    AfterAll {
        Stop-TestServer $S3
        Stop-TestServer $CF
        if ($Work) { Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'pwsh scripts/deploy-frontend.ps1 -Environment prod -WhatIf: previews against s3rver, changes nothing' {
        $before = Get-StoreSnapshot $S3
        # The README's words, then where the test's S3 and CloudFront are; aws is whatever the login shell has.
        $line = "pwsh scripts/deploy-frontend.ps1 -Environment prod -WhatIf -BuildDir '$($Site.Path)' -S3EndpointUrl $($S3.Url) -CloudFrontEndpointUrl $($CF.Url)"
        $vars = @{
            AWS_ACCESS_KEY_ID = 'S3RVER'; AWS_SECRET_ACCESS_KEY = 'S3RVER'; AWS_DEFAULT_REGION = 'us-east-1'
            AWS_EC2_METADATA_DISABLED = 'true'; AWS_CONFIG_FILE = '/dev/null'; AWS_SHARED_CREDENTIALS_FILE = '/dev/null'
        }
        $r = Invoke-Login $line $vars 180
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'WhatIf: nothing was changed'
        $r.Output | Should -Match 'buildingos-frontend-prod'
        # -AwsCli's default is /usr/bin/aws (v2) even though this login shell's PATH finds pyenv's v1 first.
        $r.Output | Should -Match 'AWS CLI: aws-cli/2\.'
        ((Get-StoreSnapshot $S3) | ConvertTo-Json) | Should -BeExactly ($before | ConvertTo-Json)
        @(Get-CloudFrontRequests $CF | Where-Object op -eq 'CreateInvalidation') | Should -HaveCount 0
    }
}
