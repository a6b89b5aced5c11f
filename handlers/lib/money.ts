// Money helpers the handlers share. Files under handlers/lib/ are never loaded as handlers.

/** Sums amounts (in the currency's smallest unit, e.g. cents) per lowercase currency code. */
export function byCurrency (funds: ReadonlyArray<{ amount: number, currency: string }>): Record<string, number> {
  const totals: Record<string, number> = {}
  for (const { amount, currency } of funds) totals[currency] = (totals[currency] ?? 0) + amount
  return totals
}
