// A refused signature's likeliest cause reaches the log, and only the log.
import { test } from 'tap'
import { buildApp, deliver, loadFixture, signPayload } from '../helper.js'

const event = loadFixture('payment_intent.succeeded')
const nowSeconds = (): number => Math.floor(Date.now() / 1000)

test('the log names the likeliest cause of an invalid signature; the response does not', async (t) => {
  const { app, logs } = await buildApp(t)
  const pretty = JSON.stringify(event, null, 2)
  const cases: Array<[string, string, Parameters<typeof deliver>[2], RegExp]> = [
    ['re-serialised by a proxy', JSON.stringify(event), { signature: signPayload(pretty) }, /body was changed after signing \(re-serialised JSON/],
    ['a trailing newline added', `${pretty}\n`, { signature: signPayload(pretty) }, /body was changed after signing/],
    ['another secret', pretty, { secret: 'whsec_another_endpoints_secret' }, /matches none of the 1 configured secret\(s\)/],
    ['old and unmatched', pretty, { secret: 'whsec_other', timestamp: nowSeconds() - 7200 }, /the signature is 720\d s old/]
  ]
  for (const [name, body, options, cause] of cases) {
    const before = logs.length
    const response = await deliver(app, body, options)
    t.equal(response.statusCode, 400, name)
    t.equal(response.json().code, 'INVALID_SIGNATURE', name)
    t.notOk(JSON.stringify(response.json()).includes('likelyCause'), `${name}: not in the response`)
    const line = logs.slice(before).find((entry) => entry.reason === 'INVALID_SIGNATURE')
    t.match(line?.likelyCause, cause, name)
  }
  t.notOk(JSON.stringify(logs).includes('whsec_'), 'no secret in any log line')
})
