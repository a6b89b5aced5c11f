// Coalesces writes that arrive in the same turn of the event loop into one transaction: under load,
// one commit (one WAL append, one fsync on PostgreSQL) serves many deliveries instead of one each.
// While `maxInFlight` batches are being written, new writes queue up and go together in the next one.
// A flush may be held for a few turns while something else needs them (see FlushHold).

export type FlushBatch<Item, Result> = (items: Item[]) => Promise<Result[]>

export interface WriteBatcher<Item, Result> {
  add: (item: Item) => Promise<Result>
}

interface Waiting<Item, Result> {
  item: Item
  resolve: (result: Result) => void
  reject: (error: unknown) => void
}

/** When a due flush waits for later turns of the event loop instead of running in this one. */
export interface FlushHold {
  /** Asked in each turn a flush is due: true holds it to the next turn. */
  holds: () => boolean
  /**
   * The longest one flush is held, in milliseconds from its first held turn. Per flush: a batch
   * left behind by a full one (over 500 writes) is held afresh. The held turns poll without
   * waiting, so they keep the core busy for that long.
   */
  maxHoldMs: number
}

/**
 * A batcher whose batches hold at most `maxBatch` items and are flushed by `flush`, at most
 * `maxInFlight` at once (each its own transaction: they commit in any order), each in the turn after
 * its first write unless `hold` puts it off.
 */
export function createWriteBatcher<Item, Result> (flush: FlushBatch<Item, Result>, maxBatch: number, maxInFlight = 1, hold?: FlushHold): WriteBatcher<Item, Result> {
  let queue: Array<Waiting<Item, Result>> = []
  let scheduled = false
  let writing = 0
  // When the flush now due was first held, or null while it was not.
  let heldSince: number | null = null

  async function write (): Promise<void> {
    scheduled = false
    if (writing >= maxInFlight || queue.length === 0) return
    writing++
    const batch = queue.slice(0, maxBatch)
    queue = queue.slice(maxBatch)
    try {
      const results = await flush(batch.map((waiting) => waiting.item))
      batch.forEach((waiting, index) => waiting.resolve(results[index] as Result))
    } catch (error) {
      // One failed transaction fails every write in it: none of them was stored.
      batch.forEach((waiting) => waiting.reject(error))
    } finally {
      writing--
      if (queue.length > 0) schedule()
    }
  }

  function schedule (): void {
    if (scheduled) return
    scheduled = true
    setImmediate(writeUnlessHeld)
  }

  function writeUnlessHeld (): void {
    if (hold !== undefined && hold.holds()) {
      // Monotonic: a step of the wall clock must not lengthen or cut short a hold.
      const now = performance.now()
      heldSince ??= now
      if (now - heldSince < hold.maxHoldMs) {
        setImmediate(writeUnlessHeld)
        return
      }
    }
    heldSince = null
    void write()
  }

  return {
    add: (item) => new Promise<Result>((resolve, reject) => {
      queue.push({ item, resolve, reject })
      schedule()
    })
  }
}
