// Counts the side effects of the side-effects handler fixture from its own file: how often each
// event's handler completed, whatever the store says.
import { existsSync, readFileSync } from 'node:fs'

/** Completed runs per event id, read from `file` (empty when nothing ran yet). */
export function sideEffectCounts (file: string): Map<string, number> {
  const counts = new Map<string, number>()
  if (!existsSync(file)) return counts
  for (const id of readFileSync(file, 'utf8').split('\n')) {
    if (id !== '') counts.set(id, (counts.get(id) ?? 0) + 1)
  }
  return counts
}

/** The ids in `counts` handled more than once. */
export function handledTwice (counts: Map<string, number>): string[] {
  return [...counts].filter(([, count]) => count > 1).map(([id]) => id)
}
