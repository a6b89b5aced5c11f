// deploy/nginx.conf in front of the router, through real sockets: both event paths (with a trailing
// or doubled slash too) reach the router over HTTP/1.1 with the body byte for byte as signed.
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { buildThinEvent } from '../../src/samples/build-thin-event.js'
import { buildApp, paymentIntentSucceeded, signPayload, temporaryDir } from '../helper.js'
import { freePort } from '../helpers/free-port.js'

const hasNginx = spawnSync('nginx', ['-v']).status === 0

test('nginx passes both event paths to the router over HTTP/1.1, the body untouched', { skip: hasNginx ? false : 'nginx is not installed' }, async (t) => {
  const { app } = await buildApp(t)
  const routerUrl = await app.listen({ port: 0, host: '127.0.0.1' })
  const versions: string[] = []
  app.server.on('request', (request: { httpVersion: string }) => versions.push(request.httpVersion))

  const dir = temporaryDir(t)
  chmodSync(dir, 0o755)
  const port = await freePort()
  // The deployment's server block as it is, pointed at this router instead of compose's service name.
  const site = readFileSync(new URL('../../deploy/nginx.conf', import.meta.url), 'utf8')
    .replace(/^resolver .*$/m, '')
    .replace('listen 4242;', `listen 127.0.0.1:${port};`)
    .replace('http://router:4242', routerUrl)
  writeFileSync(join(dir, 'site.conf'), site)
  writeFileSync(join(dir, 'nginx.conf'), `user root; daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events {}
http { access_log off; client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; include ${dir}/site.conf; }
`)
  const nginx = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] })
  // SIGTERM, not SIGKILL: the master then stops its worker, which SIGKILL would leave running.
  t.teardown(async () => {
    if (nginx.exitCode !== null) return
    nginx.kill('SIGTERM')
    await new Promise((resolve) => nginx.once('exit', resolve))
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (await fetch(`${url}/nothing`).then(() => true, () => false)) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }

  // Whitespace and non-ASCII as Stripe may send them: re-encoding anywhere would break the signature.
  const snapshot = (id: string): string => JSON.stringify(paymentIntentSucceeded(id, { note: 'café  ✓' }), null, 2) + '\n'
  const cases: Array<[string, string]> = [
    ['/webhook', snapshot('evt_nginx_1')],
    ['/webhook/', snapshot('evt_nginx_2')],
    ['//webhook', snapshot('evt_nginx_3')],
    ['/webhook/thin', JSON.stringify(buildThinEvent('v1.billing.meter.no_meter_found'))],
    ['/webhook/thin/', JSON.stringify(buildThinEvent('v1.billing.meter.no_meter_found'))]
  ]
  for (const [path, body] of cases) {
    const response = await fetch(`${url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(body) } })
    t.equal(response.status, 200, `${path}: verified and taken through nginx`)
    await response.arrayBuffer()
  }
  const get = await fetch(`${url}/webhook`)
  t.equal(get.status, 405, 'GET: the router\'s 405 comes through')
  t.equal(get.headers.get('allow'), 'POST')
  t.same([...new Set(versions)], ['1.1'], 'every request reached the router as HTTP/1.1')
  t.equal(versions.length, cases.length + 1, 'each one reached the router')
})
