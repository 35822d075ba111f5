# The offline shell's service worker (sw.js, issue 14 item 5) through a real deploy: the real aws CLI v2
# against s3rver and the CloudFront double, its calls logged by the New-FaultyAws wrapper. sw.js: its headers
# (text/javascript, no-cache), uploaded after the HTML with "index" set to the SHA-256 of the page as
# uploaded, in the manifest and the invalidation, restored by -Rollback and after a failure, and retired when
# a build without it (or a deploy from before it) goes live over it.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'support/DeployTestKit.psm1') -Force
    Set-TestAwsEnvironment
    $ProgressPreference = 'SilentlyContinue'
    $script:Work = New-TestTempDir 'bos-deploy-worker'
    $script:S3 = Start-S3rver @('buildingos-frontend-dev')
    $script:CF = Start-CloudFrontDouble
    $script:Bucket = 'buildingos-frontend-dev'
    $script:Utf8 = [System.Text.UTF8Encoding]::new($false)

    # sw.js as scripts/lib/assemble_site.py writes it: the set (the page's SHA-256, the hashed files).
    function Add-Worker($Fixture) {
        $page = [System.IO.File]::ReadAllBytes((Join-Path $Fixture.Path 'index.html'))
        $sha = [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($page)).ToLowerInvariant()
        $files = @($Fixture.Names.Values | Where-Object { $_ -ne 'index.html' } | Sort-Object)
        $set = [ordered]@{ index = $sha; files = $files } | ConvertTo-Json -Compress
        $text = "'use strict';`nvar SET = $set;`nself.addEventListener('fetch', function () {});`n"
        [System.IO.File]::WriteAllText((Join-Path $Fixture.Path 'sw.js'), $text, $Utf8)
        $Fixture
    }
    $script:V1 = Add-Worker (New-FixtureDist (Join-Path $Work 'v1') -Template mini)
    $script:V2 = Add-Worker (New-FixtureDist (Join-Path $Work 'v2') -Template mini -Change 'app.js' -Marker 'v2')
    $script:Plain = New-FixtureDist (Join-Path $Work 'plain') -Template mini -Change 'app.js' -Marker 'plain'
    $script:Logged = New-FaultyAws (Join-Path $Work 'logged')
    $script:Common = @{ Environment = 'dev'; S3EndpointUrl = $S3.Url; CloudFrontEndpointUrl = $CF.Url }

    function Invoke-Dev([hashtable]$Extra) {
        $p = @{ AwsCli = $Logged.Path } + $Common
        foreach ($k in $Extra.Keys) { $p[$k] = $Extra[$k] }
        Invoke-DeployInProcess $p
    }
    function Get-Latest { Get-StoredText $S3 $Bucket 'deploys/latest.json' | ConvertFrom-Json -AsHashtable }
    function Get-Creates { @(Get-CloudFrontRequests $CF | Where-Object op -eq 'CreateInvalidation') }
    function Get-PageSha { [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData((Get-StoredBytes $S3 $Bucket 'index.html'))).ToLowerInvariant() }
    function Get-WorkerIndex([string]$Text) { [regex]::Match($Text, '"index":"([0-9a-f]{64})"').Groups[1].Value }
    # The put-object calls of one run, in order, by key.
    function Get-PutOrder([string[]]$Calls) {
        @($Calls | Where-Object { $_ -match '^s3api put-object ' } | ForEach-Object { [regex]::Match($_, '--key (\S+)').Groups[1].Value })
    }
}

AfterAll {
    Stop-TestServer $S3
    Stop-TestServer $CF
    if ($Work) { Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'sw.js through deploy-frontend.ps1 (s3rver, the CloudFront double, the real aws CLI)' {
    It 'goes up last, text/javascript and no-cache, naming the page as uploaded; in the manifest and the invalidation' {
        $r = Invoke-Dev @{ BuildDir = $V1.Path }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $puts = Get-PutOrder (Get-AwsCalls $Logged)
        $puts[-1] | Should -BeExactly 'sw.js'
        $puts[-2] | Should -BeExactly 'index.html'
        $head = Get-ObjectHeads $S3 $Bucket @('sw.js')
        $head['sw.js'].ContentType | Should -BeExactly 'text/javascript'
        $head['sw.js'].CacheControl | Should -BeExactly 'no-cache'
        $script:Worker1 = Get-StoredText $S3 $Bucket 'sw.js'
        # The deploy rewrote the page (CSP, data-config), so the worker names the rewritten page, not the build's.
        Get-WorkerIndex $Worker1 | Should -BeExactly (Get-PageSha)
        Get-WorkerIndex $Worker1 | Should -Not -BeExactly (Get-WorkerIndex ([System.IO.File]::ReadAllText((Join-Path $V1.Path 'sw.js'))))
        $m = Get-Latest
        $m.workers['sw.js'] | Should -BeExactly $Worker1
        ($m.files | Where-Object key -eq 'sw.js').cacheControl | Should -BeExactly 'no-cache'
        @((Get-Creates)[-1].paths) | Should -Be @('/index.html', '/', '/config.json', '/sw.js')
        $script:Id1 = $m.deployId
    }

    It 'a failure after sw.js went up puts the previous sw.js back with the previous page' {
        $r0 = Invoke-Dev @{ BuildDir = $V2.Path }
        $r0.ExitCode | Should -Be 0 -Because $r0.Output
        $script:Worker2 = Get-StoredText $S3 $Bucket 'sw.js'
        $Worker2 | Should -Not -BeExactly $Worker1
        $page2 = Get-StoredText $S3 $Bucket 'index.html'
        $faulty = New-FaultyAws (Join-Path $Work 'faulty') -FailMatch 'create-invalidation'
        $r = Invoke-Dev @{ BuildDir = $V1.Path; AwsCli = $faulty.Path }
        $r.ExitCode | Should -Be 1 -Because $r.Output
        (Get-PutOrder (Get-AwsCalls $faulty)) | Should -Contain 'sw.js'   # it was uploaded, then put back
        Get-StoredText $S3 $Bucket 'sw.js' | Should -BeExactly $Worker2
        Get-StoredText $S3 $Bucket 'index.html' | Should -BeExactly $page2
        $r.Output | Should -Match 'restored sw\.js'
    }

    It '-Rollback restores the previous deploy''s sw.js and invalidates it' {
        $r = Invoke-Dev @{ Rollback = $true }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        Get-StoredText $S3 $Bucket 'sw.js' | Should -BeExactly $Worker1
        Get-WorkerIndex (Get-StoredText $S3 $Bucket 'sw.js') | Should -BeExactly (Get-PageSha)
        (Get-Latest).deployId | Should -BeExactly $Id1
        @((Get-Creates)[-1].paths) | Should -Be @('/index.html', '/', '/config.json', '/sw.js')
        (Get-ObjectHeads $S3 $Bucket @('sw.js'))['sw.js'].CacheControl | Should -BeExactly 'no-cache'
    }

    It 'a build without sw.js over a live one uploads the retiring worker; rolling back to it restores the shell' {
        $r = Invoke-Dev @{ BuildDir = $Plain.Path }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $retiring = Get-StoredText $S3 $Bucket 'sw.js'
        $retiring | Should -Match 'registration\.unregister\(\)'
        $retiring | Should -Match "indexOf\('bos-set-'\)"
        $retiring | Should -Not -Match 'var SET'
        (Get-Latest).workers['sw.js'] | Should -BeExactly $retiring
        @((Get-Creates)[-1].paths) | Should -Contain '/sw.js'
        $r2 = Invoke-Dev @{ Rollback = $true }
        $r2.ExitCode | Should -Be 0 -Because $r2.Output
        Get-StoredText $S3 $Bucket 'sw.js' | Should -BeExactly $Worker1
    }

    It 'the real dist/ sw.js passes (-WhatIf shows it going up after the HTML), if a build is present' {
        $real = Join-Path (Split-Path (Split-Path $PSScriptRoot)) 'dist'
        if (-not (Test-Path (Join-Path $real 'sw.js'))) { Set-ItResult -Skipped -Because 'no dist/sw.js (scripts/build makes it)'; return }
        $copy = Join-Path $Work 'real-dist'
        Copy-Item -LiteralPath $real -Destination $copy -Recurse
        $r = Invoke-Dev @{ BuildDir = $copy; WhatIf = $true }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match '==> sw\.js \(the offline shell''s worker, no-cache\)'
        $r.Output.IndexOf('==> sw.js') | Should -BeGreaterThan $r.Output.IndexOf('==> HTML: index.html')
        $r.Output | Should -Match 'invalidation: /index\.html / /config\.json /sw\.js'
        $r.Output | Should -Match 'WhatIf: nothing was changed'
    }
}
