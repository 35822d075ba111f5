# Failure injection: an aws wrapper passed as -AwsCli fails the first call that matches a step, and the run
# must exit 1 with the live site as it was (HTML, config.json, deploys/latest.json byte for byte, no new
# manifest). Real aws CLI, real s3rver, the CloudFront double.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'support/DeployTestKit.psm1') -Force
    Set-TestAwsEnvironment
    $ProgressPreference = 'SilentlyContinue'
    $script:Work = New-TestTempDir 'bos-deploy-faults'
    $script:S3 = Start-S3rver @('buildingos-frontend-dev')
    $script:CF = Start-CloudFrontDouble
    $script:Bucket = 'buildingos-frontend-dev'
    $script:V1 = New-FixtureDist (Join-Path $Work 'v1') -Template mini
    $script:V2 = New-FixtureDist (Join-Path $Work 'v2') -Template mini -Change 'app.js' -Marker 'v2'
    $script:V3 = New-FixtureDist (Join-Path $Work 'v3') -Template mini -Change 'app.js' -Marker 'v3'
    $script:Common = @{ Environment = 'dev'; S3EndpointUrl = $S3.Url; CloudFrontEndpointUrl = $CF.Url }

    # The live site: v2, with v1 as its previous deploy, and an old unreferenced asset so a prune has work.
    foreach ($fixture in $V1, $V2) {
        $r = Invoke-DeployInProcess (@{ BuildDir = $fixture.Path; AwsCli = (Get-RealAws) } + $Common)
        if ($r.ExitCode -ne 0) { throw "baseline deploy failed: $($r.Output)" }
    }
    $null = Invoke-TestAws $S3.Url @('s3api', 'put-object', '--bucket', $Bucket, '--key', 'orphan.0123456789.js', '--body', (Join-Path $V1.Path 'index.html'))
    Set-StoredAge $S3 $Bucket 'orphan.0123456789.js' 30

    $script:LiveKeys = 'index.html', 'config.json', 'deploys/latest.json'
    function Get-LiveState {
        $state = [ordered]@{}
        foreach ($k in $LiveKeys) { $state[$k] = [Convert]::ToBase64String((Get-StoredBytes $S3 $Bucket $k)) }
        $state['manifests'] = @(Get-StoredKeys $S3 $Bucket | Where-Object { $_ -like 'deploys/*' }) -join ' '
        $state
    }
    $script:Live = Get-LiveState
    $script:Case = 0
}

AfterAll {
    Stop-TestServer $S3
    Stop-TestServer $CF
    if ($Work) { Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'an aws failure at any step leaves the live site as it was and exits 1' {
    It 'a failure at <Step> (deploy)' -TestCases @(
        @{ Step = 'aws --version'; Match = '^--version'; AfterHtml = $false }
        @{ Step = 'head-bucket'; Match = '^s3api head-bucket'; AfterHtml = $false }
        @{ Step = 'list-objects-v2'; Match = '^s3api list-objects-v2'; AfterHtml = $false }
        @{ Step = 'reading deploys/latest.json'; Match = '^s3api get-object .*deploys/latest\.json'; AfterHtml = $false }
        @{ Step = 'an asset upload'; Match = '^s3api put-object .*--key app\.[0-9a-f]+\.js'; AfterHtml = $false }
        @{ Step = 'config.json and the manifests'; Match = '^s3 cp '; AfterHtml = $false }
        @{ Step = 'the HTML upload'; Match = '^s3api put-object .*--key index\.html'; AfterHtml = $false }
        @{ Step = 'the invalidation'; Match = '^cloudfront create-invalidation'; AfterHtml = $true }
        @{ Step = 'the prune'; Match = '^s3api delete-objects'; AfterHtml = $true }
    ) {
        $script:Case++
        $faulty = New-FaultyAws (Join-Path $Work "case-$Case") -FailMatch $Match
        $createsBefore = @(Get-CloudFrontRequests $CF | Where-Object op -eq 'CreateInvalidation').Count
        $r = Invoke-DeployInProcess (@{ BuildDir = $V3.Path; AwsCli = $faulty.Path } + $Common)
        $r.ExitCode | Should -Be 1 -Because $r.Output
        $r.Output | Should -Match 'injected failure'
        (Get-LiveState | ConvertTo-Json) | Should -BeExactly ($Live | ConvertTo-Json) -Because $r.Output
        $creates = @(Get-CloudFrontRequests $CF | Where-Object op -eq 'CreateInvalidation' | Select-Object -Skip $createsBefore)
        if ($AfterHtml) {
            # The new HTML was live for a moment: the restored one is invalidated again.
            $r.Output | Should -Match 'restored index\.html'
            $creates[-1].callerReference | Should -Match '-restore$'
        } else {
            @($creates | Where-Object callerReference -like '*-restore') | Should -HaveCount 0
        }
        # The page that is live names only objects that exist.
        $keys = Get-StoredKeys $S3 $Bucket
        $html = Get-StoredText $S3 $Bucket 'index.html'
        foreach ($m in [regex]::Matches($html, '(?:src|data-wasm)="([^"]+)"')) { $keys | Should -Contain $m.Groups[1].Value }
    }

    It 'a failure at the invalidation of a rollback puts the rolled-back HTML back and exits 1' {
        $faulty = New-FaultyAws (Join-Path $Work 'rollback-inv') -FailMatch '^cloudfront create-invalidation'
        $r = Invoke-DeployInProcess (@{ Rollback = $true; AwsCli = $faulty.Path } + $Common)
        $r.ExitCode | Should -Be 1 -Because $r.Output
        $r.Output | Should -Match 'restored index\.html'
        (Get-LiveState | ConvertTo-Json) | Should -BeExactly ($Live | ConvertTo-Json) -Because $r.Output
    }

    It 'after all those failures the same build deploys cleanly, and the prune finds the old orphan' {
        $r = Invoke-DeployInProcess (@{ BuildDir = $V3.Path; AwsCli = (Get-RealAws) } + $Common)
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $keys = Get-StoredKeys $S3 $Bucket
        $keys | Should -Not -Contain 'orphan.0123456789.js'
        $keys | Should -Contain $V2.Names['app.js']
        Get-StoredText $S3 $Bucket 'index.html' | Should -Match ([regex]::Escape($V3.Names['app.js']))
        (Get-StoredText $S3 $Bucket 'deploys/latest.json' | ConvertFrom-Json).previousDeployId |
            Should -BeExactly (([System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($Live['deploys/latest.json'])) | ConvertFrom-Json).deployId)
    }
}
