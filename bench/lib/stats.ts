// Medians and spreads: on a shared, noisy machine a single run says little.

export function median (numbers: readonly number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2 === 1 ? sorted[middle] as number : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

export function spread (numbers: readonly number[], digits = 0): string {
  return `${Math.min(...numbers).toFixed(digits)}-${Math.max(...numbers).toFixed(digits)}`
}
