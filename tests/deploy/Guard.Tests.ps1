# The environments and the prod guard, with scripts/deploy-frontend.ps1 run as outsiders run it: separate
# `pwsh` processes, non-interactive (CI) or on a pseudo-terminal (an operator), against s3rver and the
# CloudFront double.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'support/DeployTestKit.psm1') -Force
    Set-TestAwsEnvironment
    $ProgressPreference = 'SilentlyContinue'
    $script:Work = New-TestTempDir 'bos-deploy-guard'
    # No staging bucket: a deploy there must stop at the preflight.
    $script:S3 = Start-S3rver @('buildingos-frontend-dev', 'buildingos-frontend-prod')
    $script:CF = Start-CloudFrontDouble
    $script:Site = New-FixtureDist (Join-Path $Work 'site')
    $script:Mini = New-FixtureDist (Join-Path $Work 'mini') -Template mini
    $script:Common = @{ AwsCli = (Get-RealAws); S3EndpointUrl = $S3.Url; CloudFrontEndpointUrl = $CF.Url }
    $script:CommonArgs = @('-AwsCli', (Get-RealAws), '-S3EndpointUrl', $S3.Url, '-CloudFrontEndpointUrl', $CF.Url)
    function Get-Creates { @(Get-CloudFrontRequests $CF | Where-Object op -eq 'CreateInvalidation') }
}

AfterAll {
    Stop-TestServer $S3
    Stop-TestServer $CF
    if ($Work) { Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'environments and the prod guard' {
    It 'deploys prod non-interactively with -Confirm:$false' {
        $r = Invoke-DeployProcess (@('-Environment', 'prod', '-BuildDir', $Mini.Path, '-Confirm:$false') + $CommonArgs)
        $r.ExitCode | Should -Be 0 -Because $r.Output
        Get-StoredText $S3 'buildingos-frontend-prod' 'index.html' | Should -Match ([regex]::Escape("connect-src 'self' wss://websocket-api.buildingos.com;"))
        Get-StoredText $S3 'buildingos-frontend-prod' 'config.json' | Should -BeExactly '{"websocketEndpoint":"wss://websocket-api.buildingos.com"}'
        (Get-Creates)[-1].distributionId | Should -Be 'E1234567890PROD'
    }

    It 'asks once at a terminal before changing prod: "n" changes nothing' {
        $before = Get-StoreSnapshot $S3
        $r = Invoke-DeployProcess (@('-Environment', 'prod', '-BuildDir', $Site.Path) + $CommonArgs) -TerminalAnswer 'n'
        $r.ExitCode | Should -Be 1 -Because $r.Output
        $r.Output | Should -Match 'Performing the operation "Deploy \d{8}T\d{6}Z-[0-9a-f]{7} \(\d+ files\)" on target\s+"buildingos-frontend-prod / E1234567890PROD \(prod\)"'
        $r.Output | Should -Match 'not confirmed: nothing was changed'
        ((Get-StoreSnapshot $S3) | ConvertTo-Json) | Should -BeExactly ($before | ConvertTo-Json)
    }

    It 'asks once at a terminal before changing prod: "y" deploys with no further question' {
        $r = Invoke-DeployProcess (@('-Environment', 'prod', '-BuildDir', $Mini.Path) + $CommonArgs) -TerminalAnswer 'y'
        $r.ExitCode | Should -Be 0 -Because $r.Output
        ([regex]::Matches($r.Output, 'default is')).Count | Should -Be 1
        $r.Output | Should -Match 'Deployment Summary'
        (Get-StoredText $S3 'buildingos-frontend-prod' 'deploys/latest.json' | ConvertFrom-Json).previousDeployId | Should -Not -BeNullOrEmpty
    }

    It 'refuses prod when the distribution lacks a security header, before changing anything (dev would only warn)' {
        Set-CloudFrontDoubleSettings $CF @{ responseHeadersPolicies = @{ 'bos-security-headers' = @{ hsts = @{ maxAge = 63072000; includeSubdomains = $true }; contentTypeOptions = $true; frameOption = $null; csp = "default-src 'self'"; custom = @() } } }
        $before = Get-StoreSnapshot $S3
        try {
            $r = Invoke-DeployProcess (@('-Environment', 'prod', '-BuildDir', $Mini.Path, '-Confirm:$false') + $CommonArgs)
        } finally { Reset-CloudFrontDouble $CF }
        $r.ExitCode | Should -Be 1 -Because $r.Output
        $r.Output | Should -Match "frame-ancestors 'none'"
        $r.Output | Should -Match 'stops a prod deploy'
        ((Get-StoreSnapshot $S3) | ConvertTo-Json) | Should -BeExactly ($before | ConvertTo-Json)
    }

    It 'refuses prod in a non-interactive process without -Confirm:$false, at once and with the way out' {
        $faulty = New-FaultyAws (Join-Path $Work 'count-prod')
        $before = Get-StoreSnapshot $S3
        $r = Invoke-DeployProcess (@('-Environment', 'prod', '-BuildDir', $Site.Path, '-AwsCli', $faulty.Path, '-S3EndpointUrl', $S3.Url, '-CloudFrontEndpointUrl', $CF.Url))
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match ([regex]::Escape('pass -Confirm:$false'))
        Get-AwsCalls $faulty | Should -HaveCount 0
        ((Get-StoreSnapshot $S3) | ConvertTo-Json) | Should -BeExactly ($before | ConvertTo-Json)
    }

    It 'rejects an unknown environment before any aws call' {
        $faulty = New-FaultyAws (Join-Path $Work 'count-qa')
        $r = Invoke-DeployProcess @('-Environment', 'qa', '-BuildDir', $Site.Path, '-AwsCli', $faulty.Path, '-S3EndpointUrl', $S3.Url)
        $r.ExitCode | Should -Not -Be 0
        $r.Output | Should -Match "environment 'qa' is not in .*deploy/environments\.json"
        Get-AwsCalls $faulty | Should -HaveCount 0
    }

    It 'stops at the preflight when the bucket does not answer (staging has no bucket here), changing nothing' {
        $before = Get-StoreSnapshot $S3
        $r = Invoke-DeployInProcess (@{ Environment = 'staging'; BuildDir = $Site.Path } + $Common)
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match "bucket buildingos-frontend-staging does not answer through $([regex]::Escape($S3.Url))"
        ((Get-StoreSnapshot $S3) | ConvertTo-Json) | Should -BeExactly ($before | ConvertTo-Json)
        (Get-CloudFrontRequests $CF | Where-Object distributionId -eq 'E1234567890STAGING') | Should -BeNullOrEmpty
    }
}
