// The scripts CI runs stay deterministic: none pipes into a reader that may exit early under pipefail.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { test } from 'tap'
import { earlyExitPipelines } from '../helpers/early-exit-pipelines.js'

const root = new URL('../../', import.meta.url)

function shellScripts (): string[] {
  const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\n').filter((path) => path !== '')
  return tracked.filter((path) => {
    if (path.endsWith('.sh') || path === '.ci/run') return true
    try {
      return /^#!.*\b(?:ba)?sh\b/.test(readFileSync(new URL(path, root), 'utf8').slice(0, 80))
    } catch {
      return false
    }
  })
}

test('the detector finds the pipelines that failed CI, and passes their safe forms', async (t) => {
  const strict = (body: string): string => `#!/usr/bin/env bash\nset -euo pipefail\n${body}\n`
  const unsafe = [
    'podman logs "$c" 2>&1 | grep -q \'PaymentIntent was successful!\' || fail "the handler did not run"',
    'podman image inspect "$image" | grep -A10 \'"Healthcheck"\' | grep -q healthz || fail "x"',
    'v=$(ls /etc/postgresql | head -n 1)',
    'pg_ctlcluster "$(ls /etc/postgresql | head -n 1)" main start || true',
    'x=$(sed -n p file | grep -m 1 URIs)',
    'if podman logs c | grep --quiet ready; then echo ok; fi',
    'ready=$(curl -s url | grep -lq ok)'
  ]
  for (const line of unsafe) {
    t.same(earlyExitPipelines(strict(line)).map(({ line }) => line), [3], `flags: ${line}`)
  }
  const safe = [
    'log=$(podman logs "$c" 2>&1)',
    'grep -q \'PaymentIntent was successful!\' <<<"$log" || fail "the handler did not run"',
    'grep -q x file || grep -q y file',
    'npm test 2>&1 | tee "$log"',
    'summary=$(grep -E \'^# total\' "$log" | tail -n 1 || true)',
    'echo "a | grep -q b"',
    '# podman logs c | grep -q x'
  ]
  for (const line of safe) t.same(earlyExitPipelines(strict(line)), [], `passes: ${line}`)
  t.same(earlyExitPipelines('#!/bin/sh\nls | head -n 1\n'), [], 'without pipefail a pipeline takes the status of its last command')
})

test('no script CI runs pipes into grep -q, grep -m, grep -l or head under pipefail', async (t) => {
  const scripts = shellScripts()
  t.ok(scripts.includes('.ci/run') && scripts.includes('test/container/check-image.sh'), 'CI\'s own scripts are among those read')
  for (const path of scripts) {
    const found = earlyExitPipelines(readFileSync(new URL(path, root), 'utf8'))
    t.same(found, [], `${path}: ${found.map(({ line, text }) => `line ${line}: ${text}`).join('; ') || 'no early-exit reader behind pipefail'}`)
  }
})
