// Funds became available for payout: log what is available and pending, per currency.
import { defineHandler } from '#define-handler'
import { byCurrency } from './lib/money.js'

export default defineHandler('balance.available', async (event, { log }) => {
  const balance = event.data.object
  const available = byCurrency(balance.available)
  const pending = byCurrency(balance.pending)
  const summary = Object.entries(available).map(([currency, amount]) => `${amount} ${currency.toUpperCase()}`).join(', ')
  log.info({ available, pending }, `Balance available: ${summary || 'nothing'}`)
})
