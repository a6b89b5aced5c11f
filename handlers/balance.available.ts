// Funds became available for payout: log what is available and pending, per currency.
import { defineHandler } from '../src/define-handler.js'

function byCurrency (funds: ReadonlyArray<{ amount: number, currency: string }>): Record<string, number> {
  const totals: Record<string, number> = {}
  for (const { amount, currency } of funds) totals[currency] = (totals[currency] ?? 0) + amount
  return totals
}

export default defineHandler('balance.available', async (event, { log }) => {
  const balance = event.data.object
  const available = byCurrency(balance.available)
  const pending = byCurrency(balance.pending)
  const summary = Object.entries(available).map(([currency, amount]) => `${amount} ${currency.toUpperCase()}`).join(', ')
  log.info({ available, pending }, `Balance available: ${summary || 'nothing'}`)
})
