# Unit tests of scripts/deploy-frontend.ps1 with a mocked `aws` (Pester creates a function named aws; the
# script calls it through -AwsCli aws). The mock answers like the CLI, records every call's arguments ($args:
# a native command has no parameters) and sets $global:LASTEXITCODE itself, because mocks do not.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'support/DeployTestKit.psm1') -Force
    $script:Deploy = Get-DeployScriptPath
    $script:Work = New-TestTempDir 'bos-deploy-unit'
    $script:Fixture = New-FixtureDist (Join-Path $Work 'dist') -WithJunk
    $script:Dist = $Fixture.Path
    $ProgressPreference = 'SilentlyContinue'
    # Mock needs a command to stand in for; this machine may have no aws on PATH.
    if (-not (Get-Command aws -ErrorAction SilentlyContinue)) { function global:aws { throw 'aws must be mocked here' } }

    function Get-Md5Hex([byte[]]$Bytes) { [Convert]::ToHexString([System.Security.Cryptography.MD5]::HashData($Bytes)).ToLowerInvariant() }

    # A live deploy as a previous run would have left it: its manifest, HTML, config, and one old orphan.
    function New-LiveBucket {
        $html = '<!doctype html><meta http-equiv="Content-Security-Policy" content="connect-src ''self'' wss://websocket-api-dev.buildingos.com"><script src="app.1111111111.js"></script>'
        $config = '{"websocketEndpoint":"wss://websocket-api-dev.buildingos.com"}'
        $manifest = [ordered]@{
            schema = 1; deployId = '20261101T000000Z-aaaaaaa'; environment = 'dev'; time = '2026-11-01T00:00:00Z'; previousDeployId = $null
            files = @(@{ key = 'app.1111111111.js'; sha256 = 'x' }, @{ key = 'index.html'; sha256 = 'y' }, @{ key = 'config.json'; sha256 = 'z' })
            entryPoints = @{ 'index.html' = $html }; config = $config; lastReferenced = @{}
        } | ConvertTo-Json -Depth 6
        $utf8 = [System.Text.UTF8Encoding]::new($false)
        $objects = @{
            'deploys/latest.json'                    = $utf8.GetBytes($manifest)
            'deploys/20261101T000000Z-aaaaaaa.json'  = $utf8.GetBytes($manifest)
            'index.html'                             = $utf8.GetBytes($html)
            'config.json'                            = $utf8.GetBytes($config)
            'app.1111111111.js'                      = $utf8.GetBytes('old')
            'orphan.2222222222.js'                   = $utf8.GetBytes('orphan')
            'legacy-page.html'                       = $utf8.GetBytes('legacy')
        }
        $old = (Get-Date).ToUniversalTime().AddDays(-30).ToString('yyyy-MM-ddTHH:mm:ss+00:00')
        $listing = foreach ($k in $objects.Keys) { @{ Key = $k; LastModified = $old; ETag = '"' + (Get-Md5Hex $objects[$k]) + '"'; Size = $objects[$k].Length } }
        @{ Objects = $objects; Listing = @($listing); LiveHtml = $html }
    }

    function Reset-AwsMock([switch]$Empty) {
        $live = if ($Empty) { @{ Objects = @{}; Listing = @(); LiveHtml = $null } } else { New-LiveBucket }
        $global:AwsMock = @{
            Calls = [System.Collections.Generic.List[string]]::new()
            Puts = [System.Collections.Generic.List[object]]::new()     # @{ Key; Body; Args }
            Batches = [System.Collections.Generic.List[object]]::new()  # invalidation batches
            Objects = $live.Objects; Listing = $live.Listing; LiveHtml = $live.LiveHtml
            FailMatch = ''; InvalidationStatus = 'InProgress'; DeleteErrors = @()
        }
    }

    function Get-ArgValue([string[]]$A, [string]$Name) { $i = [array]::IndexOf($A, $Name); if ($i -ge 0) { $A[$i + 1] } else { $null } }

    # Only subcommands and keys, in call order: "s3api put-object app.x.js", "cloudfront create-invalidation".
    function Get-CallSummary {
        foreach ($line in $global:AwsMock.Calls) {
            $a = $line -split ' '
            $key = Get-ArgValue $a '--key'
            ("$($a[0]) $($a[1]) $key").Trim()
        }
    }

    function Invoke-MockedDeploy([hashtable]$Extra = @{}) {
        $params = @{ Environment = 'dev'; BuildDir = $Dist; AwsCli = 'aws'; S3EndpointUrl = 'http://127.0.0.1:9'; CloudFrontEndpointUrl = 'http://127.0.0.1:8' }
        foreach ($k in $Extra.Keys) { $params[$k] = $Extra[$k] }
        $global:LASTEXITCODE = 0
        $out = & $Deploy @params *>&1 | ForEach-Object { "$_" }
        [pscustomobject]@{ ExitCode = $global:LASTEXITCODE; Output = ($out -join "`n") }
    }

    $script:ChangingOps = 'put-object|delete-object|delete-objects|copy-object|create-invalidation|^s3 (cp|sync|rm|mv)'
}

AfterAll {
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Variable -Scope Global -Name AwsMock -ErrorAction SilentlyContinue
}

Describe 'deploy-frontend.ps1 with a mocked aws' {
    BeforeEach {
        Reset-AwsMock
        Mock aws {
            $m = $global:AwsMock
            $a = [string[]]@($args | ForEach-Object { "$_" })
            $line = $a -join ' '
            $m.Calls.Add($line)
            $global:LASTEXITCODE = 0
            if ($m.FailMatch -and $line -match $m.FailMatch) { $global:LASTEXITCODE = 255; Write-Error 'injected failure' -ErrorAction Continue; return }
            $arg = { param($n) $i = [array]::IndexOf($a, $n); if ($i -ge 0) { $a[$i + 1] } }
            switch ((@($a | Select-Object -First 2) -join ' ')) {
                '--version' { 'aws-cli/2.9.19 Python/3.11.2 Linux/6 source/x86_64.debian.12 prompt/off' }
                's3api head-bucket' { '' }
                's3api list-objects-v2' { if ($m.Listing.Count) { @{ Contents = $m.Listing } | ConvertTo-Json -Depth 5 } else { '' } }
                's3api get-object' {
                    $key = & $arg '--key'
                    if (-not $m.Objects.ContainsKey($key)) { $global:LASTEXITCODE = 254; return }
                    [System.IO.File]::WriteAllBytes($a[6], $m.Objects[$key])
                    '{"ContentLength": 1}'
                }
                's3api put-object' {
                    $m.Puts.Add(@{ Key = (& $arg '--key'); Body = [System.IO.File]::ReadAllBytes((& $arg '--body')); Args = $a })
                    '{"ETag": "\"0\""}'
                }
                's3 cp' {
                    $stage = $a[2]
                    foreach ($f in Get-ChildItem -LiteralPath $stage -Recurse -File) {
                        $key = [System.IO.Path]::GetRelativePath($stage, $f.FullName).Replace('\', '/')
                        $m.Puts.Add(@{ Key = $key; Body = [System.IO.File]::ReadAllBytes($f.FullName); Args = $a })
                    }
                }
                's3api delete-objects' {
                    $body = Get-Content -Raw ((& $arg '--delete') -replace '^file://', '') | ConvertFrom-Json
                    $m.Puts.Add(@{ Key = 'DELETE'; Body = $null; Args = $a; Deleted = @($body.Objects.Key) })
                    if ($m.DeleteErrors.Count) { @{ Errors = $m.DeleteErrors } | ConvertTo-Json -Depth 4 } else { '{}' }
                }
                'cloudfront create-invalidation' {
                    $batch = Get-Content -Raw ((& $arg '--invalidation-batch') -replace '^file://', '') | ConvertFrom-Json -AsHashtable
                    $m.Batches.Add($batch)
                    @{ Invalidation = @{ Id = "IUNIT$($m.Batches.Count)"; Status = 'InProgress' } } | ConvertTo-Json -Depth 4
                }
                'cloudfront get-invalidation' { @{ Invalidation = @{ Id = (& $arg '--id'); Status = $m.InvalidationStatus } } | ConvertTo-Json -Depth 4 }
                default { $global:LASTEXITCODE = 2; Write-Error "unexpected aws call: $line" -ErrorAction Continue }
            }
        }
    }

    It 'uploads the hashed assets, then config.json and the manifests, then the HTML, then invalidates, then prunes' {
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $calls = @(Get-CallSummary)
        $assetPuts = @(0..($calls.Count - 1) | Where-Object { $calls[$_] -match '^s3api put-object .+\.[0-9a-f]{10}\.' })
        $cp = [array]::IndexOf($calls, 's3 cp')
        $html = [array]::IndexOf($calls, 's3api put-object index.html')
        $inv = [array]::IndexOf($calls, 'cloudfront create-invalidation')
        $prune = [array]::IndexOf($calls, 's3api delete-objects')
        $assetPuts.Count | Should -Be ($Fixture.Names.Count - 1)
        $cp | Should -BeGreaterThan ($assetPuts | Measure-Object -Maximum).Maximum
        $html | Should -BeGreaterThan $cp
        $inv | Should -BeGreaterThan $html
        $prune | Should -BeGreaterThan $inv
        @($global:AwsMock.Puts | Where-Object Key -eq 'DELETE').Deleted | Should -Be @('orphan.2222222222.js')
        # The live deploy's asset (its HTML may be open in a tab) and unhashed objects are never pruned.
        @($global:AwsMock.Puts | Where-Object Key -eq 'DELETE').Deleted | Should -Not -Contain 'app.1111111111.js'
    }

    It 'sets Content-Type and Cache-Control from the fixed map on every object' {
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $expected = @{
            '.js' = 'text/javascript'; '.wasm' = 'application/wasm'; '.css' = 'text/css'; '.svg' = 'image/svg+xml'
            '.webmanifest' = 'application/manifest+json'; '.ttf' = 'font/ttf'; '.woff2' = 'font/woff2'; '.png' = 'image/png'
            '.ico' = 'image/x-icon'; '.txt' = 'text/plain; charset=utf-8'; '.html' = 'text/html; charset=utf-8'; '.json' = 'application/json'
        }
        $seen = @{}
        foreach ($p in $global:AwsMock.Puts | Where-Object Key -ne 'DELETE') {
            $ext = [System.IO.Path]::GetExtension($p.Key)
            $seen[$ext] = $true
            Get-ArgValue $p.Args '--content-type' | Should -BeExactly $expected[$ext] -Because $p.Key
            $cache = Get-ArgValue $p.Args '--cache-control'
            switch -Regex ($p.Key) {
                '^index\.html$' { $cache | Should -BeExactly 'public, max-age=300' }
                '^(config\.json|deploys/.+\.json)$' { $cache | Should -BeExactly 'public, max-age=60' }
                default { $cache | Should -BeExactly 'public, max-age=31536000, immutable' -Because $p.Key }
            }
        }
        @($seen.Keys | Sort-Object) | Should -Be @($expected.Keys | Sort-Object)
    }

    It 'writes this environment''s config.json and a manifest naming the files, hashes, commit and previous deploy' {
        $r = Invoke-MockedDeploy @{ Environment = 'staging' }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $config = $global:AwsMock.Puts | Where-Object Key -eq 'config.json'
        [System.Text.Encoding]::UTF8.GetString($config.Body) | Should -BeExactly '{"websocketEndpoint":"wss://websocket-api-staging.buildingos.com"}'
        $latest = [System.Text.Encoding]::UTF8.GetString(($global:AwsMock.Puts | Where-Object Key -eq 'deploys/latest.json').Body) | ConvertFrom-Json -AsHashtable
        $own = $global:AwsMock.Puts | Where-Object Key -eq "deploys/$($latest.deployId).json"
        $own | Should -Not -BeNullOrEmpty
        $latest.previousDeployId | Should -Be '20261101T000000Z-aaaaaaa'
        $latest.commit | Should -Be (& git -C (Split-Path (Split-Path $Deploy)) rev-parse --short=7 HEAD)
        $wasm = $latest.files | Where-Object { $_.key -eq $Fixture.Names['app.wasm'] }
        $wasm.sha256 | Should -Be ((Get-FileHash (Join-Path $Dist $Fixture.Names['app.wasm']) -Algorithm SHA256).Hash.ToLowerInvariant())
    }

    It 'rewrites the CSP connect-src to this environment''s endpoint only' {
        $r = Invoke-MockedDeploy @{ Environment = 'staging' }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $html = [System.Text.Encoding]::UTF8.GetString(($global:AwsMock.Puts | Where-Object Key -eq 'index.html').Body)
        $html | Should -Match ([regex]::Escape("; connect-src 'self' wss://websocket-api-staging.buildingos.com; manifest-src 'self';"))
        $html | Should -Not -Match 'ws://localhost|ws://127\.0\.0\.1'
        # Everything else in the page is as built.
        $built = Get-Content -Raw (Join-Path $Dist 'index.html')
        $html.Replace("connect-src 'self' wss://websocket-api-staging.buildingos.com", "connect-src 'self' ws://localhost:* ws://127.0.0.1:*") | Should -BeExactly $built
    }

    It 'skips deny-listed files (source maps, Markdown, dotfiles, test fixtures) with a warning' {
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 0 -Because $r.Output
        foreach ($junk in "$($Fixture.Names['app.js']).map", 'README.md', '.DS_Store', '.git/HEAD', 'tests/fixture.json', '__tests__/app.js', 'app.test.js') {
            $r.Output | Should -Match ([regex]::Escape("skipping $junk ("))
            @($global:AwsMock.Puts.Key) | Should -Not -Contain $junk
        }
    }

    It 'invalidates only /index.html, / and /config.json with the deploy id as CallerReference' {
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $global:AwsMock.Batches.Count | Should -Be 1
        $batch = $global:AwsMock.Batches[0]
        @($batch.Paths.Items) | Should -Be @('/index.html', '/', '/config.json')
        $batch.Paths.Quantity | Should -Be 3
        $batch.CallerReference | Should -Match '^\d{8}T\d{6}Z-[0-9a-f]{7}$'
        $latest = [System.Text.Encoding]::UTF8.GetString(($global:AwsMock.Puts | Where-Object Key -eq 'deploys/latest.json').Body) | ConvertFrom-Json
        $batch.CallerReference | Should -BeExactly $latest.deployId
    }

    It 'passes --profile only when -Profile is given, each endpoint only to its service, and never calls STS' {
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $global:AwsMock.Calls | Should -Not -Match '--profile'
        $global:AwsMock.Calls | Should -Not -Match '^sts '
        foreach ($c in $global:AwsMock.Calls | Where-Object { $_ -match '^s3' }) { $c | Should -Match '--endpoint-url http://127\.0\.0\.1:9( |$)' }
        foreach ($c in $global:AwsMock.Calls | Where-Object { $_ -match '^cloudfront' }) { $c | Should -Match '--endpoint-url http://127\.0\.0\.1:8( |$)' }
        foreach ($c in $global:AwsMock.Calls | Where-Object { $_ -ne '--version' }) { $c | Should -Match '--region us-east-1' }

        Reset-AwsMock
        $r = Invoke-MockedDeploy @{ Profile = 'buildingos' }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        foreach ($c in $global:AwsMock.Calls | Where-Object { $_ -ne '--version' }) { $c | Should -Match '--profile buildingos( |$)' }
    }

    It '-WhatIf makes no changing call' {
        $r = Invoke-MockedDeploy @{ WhatIf = $true }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $global:AwsMock.Calls | Should -Not -Match $ChangingOps
        $global:AwsMock.Calls.Count | Should -BeGreaterThan 0
        $r.Output | Should -Match 'nothing was changed'
    }

    It 'a non-zero exit code from aws before the HTML stops the deploy: exit 1, the HTML and the invalidation never happen' {
        $global:AwsMock.FailMatch = '^s3api put-object .*--key app\.[0-9a-f]+\.wasm'
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match 'exit code 255'
        $calls = @(Get-CallSummary)
        $calls | Should -Not -Contain 's3api put-object index.html'
        $calls | Should -Not -Contain 's3 cp'
        $calls | Should -Not -Contain 'cloudfront create-invalidation'
    }

    It 'a failure after the HTML upload re-uploads the previous HTML, then exits 1' {
        $global:AwsMock.FailMatch = '^s3api delete-objects'
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 1
        $htmlPuts = @($global:AwsMock.Puts | Where-Object Key -eq 'index.html')
        $htmlPuts.Count | Should -Be 2
        [System.Text.Encoding]::UTF8.GetString($htmlPuts[1].Body) | Should -BeExactly $global:AwsMock.LiveHtml
        $restored = $global:AwsMock.Puts | Where-Object Key -eq 'deploys/latest.json' | Select-Object -Last 1
        [System.Text.Encoding]::UTF8.GetString($restored.Body) | Should -BeExactly ([System.Text.Encoding]::UTF8.GetString($global:AwsMock.Objects['deploys/latest.json']))
        @($global:AwsMock.Batches.CallerReference)[-1] | Should -Match '-restore$'
    }

    It 'delete-objects reporting per-key errors (with exit code 0) fails the run' {
        $global:AwsMock.DeleteErrors = @(@{ Key = 'orphan.2222222222.js'; Code = 'AccessDenied'; Message = 'no' })
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match 'could not delete: orphan\.2222222222\.js \(AccessDenied\)'
    }

    It '-Wait polls get-invalidation itself, and a timeout is only a warning' {
        $r = Invoke-MockedDeploy @{ Wait = $true; WaitTimeoutSec = 2 }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match "is still 'InProgress' after 2 s"
        @(Get-CallSummary) | Should -Contain 'cloudfront get-invalidation'
        $global:AwsMock.Calls | Should -Not -Match 'wait invalidation-completed'

        Reset-AwsMock
        $global:AwsMock.InvalidationStatus = 'Completed'
        $r = Invoke-MockedDeploy @{ Wait = $true; WaitTimeoutSec = 30 }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'IUNIT1, Completed'
    }

    It '-BuildDir is relative to the current PowerShell location' {
        Push-Location $Work
        try {
            [Environment]::CurrentDirectory | Should -Not -Be $Work -Because 'the test must tell the two apart'
            $r = Invoke-MockedDeploy @{ BuildDir = 'dist' }
        } finally { Pop-Location }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        @($global:AwsMock.Puts.Key) | Should -Contain $Fixture.Names['app.wasm']
    }

    It 'counts the grace period from the last time a live deploy referenced an object, not from its upload' {
        $utf8 = [System.Text.UTF8Encoding]::new($false)
        $latest = [System.Text.Encoding]::UTF8.GetString($global:AwsMock.Objects['deploys/latest.json']) | ConvertFrom-Json -AsHashtable
        $latest.lastReferenced = @{
            'recent.3333333333.js' = (Get-Date).ToUniversalTime().AddDays(-2).ToString('yyyy-MM-ddTHH:mm:ssZ')
            'stale.4444444444.js'  = (Get-Date).ToUniversalTime().AddDays(-9).ToString('yyyy-MM-ddTHH:mm:ssZ')
        }
        $global:AwsMock.Objects['deploys/latest.json'] = $utf8.GetBytes(($latest | ConvertTo-Json -Depth 6))
        $global:AwsMock.Listing = @($global:AwsMock.Listing | Where-Object { $_.Key -ne 'deploys/latest.json' })
        $old = (Get-Date).ToUniversalTime().AddDays(-30).ToString('yyyy-MM-ddTHH:mm:ss+00:00')
        $global:AwsMock.Listing += @{ Key = 'deploys/latest.json'; LastModified = $old; ETag = '"0"' }
        foreach ($k in 'recent.3333333333.js', 'stale.4444444444.js') { $global:AwsMock.Listing += @{ Key = $k; LastModified = $old; ETag = '"0"' } }
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $deleted = @($global:AwsMock.Puts | Where-Object Key -eq 'DELETE').Deleted
        $deleted | Should -Contain 'stale.4444444444.js'
        $deleted | Should -Contain 'orphan.2222222222.js'
        $deleted | Should -Not -Contain 'recent.3333333333.js'
        # The new manifest carries the history on, for the next prune.
        $new = [System.Text.Encoding]::UTF8.GetString(($global:AwsMock.Puts | Where-Object Key -eq 'deploys/latest.json').Body) | ConvertFrom-Json -AsHashtable
        $new.lastReferenced.Keys | Should -Contain 'recent.3333333333.js'
        $new.lastReferenced.Keys | Should -Not -Contain 'stale.4444444444.js'
        $new.lastReferenced['app.1111111111.js'] | Should -Be $new.time
    }

    It 'a first deploy into an empty bucket prunes nothing and names no previous deploy' {
        Reset-AwsMock -Empty
        $r = Invoke-MockedDeploy
        $r.ExitCode | Should -Be 0 -Because $r.Output
        @(Get-CallSummary) | Should -Not -Contain 's3api delete-objects'
        $latest = [System.Text.Encoding]::UTF8.GetString(($global:AwsMock.Puts | Where-Object Key -eq 'deploys/latest.json').Body) | ConvertFrom-Json
        $latest.previousDeployId | Should -BeNullOrEmpty
    }
}

Describe 'preflight failures change nothing' {
    BeforeEach {
        Reset-AwsMock
        Mock aws { $global:AwsMock.Calls.Add(($args -join ' ')); $global:LASTEXITCODE = 0; if ($args[0] -eq '--version') { 'aws-cli/2.9.19' } }
        $script:Broken = Join-Path $Work ('broken-' + [guid]::NewGuid().ToString('n').Substring(0, 6))
        Copy-Item -Recurse $Dist $Broken
    }

    It 'an extension missing from the Content-Type map fails before any aws call' {
        Set-Content (Join-Path $Broken 'tool.0123456789.exe') 'x'
        $r = Invoke-MockedDeploy @{ BuildDir = $Broken }
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match "tool\.0123456789\.exe: no Content-Type for '\.exe'"
        $global:AwsMock.Calls.Count | Should -Be 0
    }

    It 'an asset without a content hash fails' {
        Set-Content (Join-Path $Broken 'robots.txt') 'User-agent: *'
        $r = Invoke-MockedDeploy @{ BuildDir = $Broken }
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match 'robots\.txt: not content-hashed'
        $global:AwsMock.Calls.Count | Should -Be 0
    }

    It 'a file the HTML references but the build lacks fails' {
        Remove-Item (Join-Path $Broken $Fixture.Names['NotoSans-Bold.ttf'])
        $r = Invoke-MockedDeploy @{ BuildDir = $Broken }
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match ("index\.html references " + [regex]::Escape($Fixture.Names['NotoSans-Bold.ttf']))
        $global:AwsMock.Calls.Count | Should -Be 0
    }

    It 'a missing build directory fails' {
        $r = Invoke-MockedDeploy @{ BuildDir = (Join-Path $Work 'no-such-dist') }
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match 'does not exist'
    }

    It 'an aws executable that cannot be found fails with a clear message' {
        $r = Invoke-MockedDeploy @{ AwsCli = (Join-Path $Work 'no-such-aws') }
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match "cannot run the aws CLI '.*no-such-aws': not found"
    }
}

Describe 'the prod guard' {
    BeforeEach {
        Reset-AwsMock
        # The script runs under Set-StrictMode, and so does this mock when it calls it: no index past the end.
        Mock aws {
            $global:AwsMock.Calls.Add(($args -join ' ')); $global:LASTEXITCODE = 0
            switch ((@($args | Select-Object -First 2) -join ' ')) {
                '--version' { 'aws-cli/2.9.19' }
                'cloudfront create-invalidation' { '{"Invalidation":{"Id":"IPROD","Status":"InProgress"}}' }
                default { '' }
            }
        }
        $script:SavedCi = $env:CI
        $env:CI = 'true'    # non-interactive whatever host runs the tests
    }
    AfterEach { $env:CI = $SavedCi }

    It 'refuses prod without -Confirm:$false in a non-interactive session, before any aws call' {
        $r = Invoke-MockedDeploy @{ Environment = 'prod' }
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match 'prod needs a confirmation'
        $r.Output | Should -Match ([regex]::Escape('pass -Confirm:$false'))
        $global:AwsMock.Calls.Count | Should -Be 0
    }

    It 'deploys prod with -Confirm:$false, to the prod bucket and distribution' {
        $r = Invoke-MockedDeploy @{ Environment = 'prod'; Confirm = $false }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $global:AwsMock.Calls | Where-Object { $_ -match 'put-object' } | Should -Match '--bucket buildingos-frontend-prod '
        $global:AwsMock.Calls | Where-Object { $_ -match 'create-invalidation' } | Should -Match '--distribution-id E1234567890PROD '
    }

    It 'prod -WhatIf asks nothing and changes nothing' {
        $r = Invoke-MockedDeploy @{ Environment = 'prod'; WhatIf = $true }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $global:AwsMock.Calls | Should -Not -Match $ChangingOps
    }

    It 'dev and staging never ask (<Name>)' -TestCases @(@{ Name = 'dev' }, @{ Name = 'staging' }) {
        $r = Invoke-MockedDeploy @{ Environment = $Name }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Not -Match 'confirmation'
    }

    It 'an explicit -Confirm in a non-interactive session fails instead of waiting for an answer' {
        $r = Invoke-MockedDeploy @{ Environment = 'dev'; Confirm = $true }
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match 'dev needs a confirmation'
    }

    It 'rejects an environment outside dev, staging and prod' {
        { & $Deploy -Environment qa -BuildDir $Dist -AwsCli aws } | Should -Throw '*does not belong to the set "dev,staging,prod"*'
        $global:AwsMock.Calls.Count | Should -Be 0
    }
}
