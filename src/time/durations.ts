// Ages and intervals as operators write them: 30s, 15m, 72h, 7d.

const unitMs: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `text` (e.g. 15m) in milliseconds, or null when it is not a whole number and one of s, m, h, d. */
export function parseDuration (text: string): number | null {
  const match = /^(\d+)([smhd])$/.exec(text)
  return match === null ? null : Number(match[1]) * (unitMs[match[2] as string] as number)
}
