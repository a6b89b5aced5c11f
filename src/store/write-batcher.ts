// Coalesces writes that arrive in the same turn of the event loop into one transaction: under load,
// one commit (one WAL append, one fsync on PostgreSQL) serves many deliveries instead of one each.
// While `maxInFlight` batches are being written, new writes queue up and go together in the next one.

export type FlushBatch<Item, Result> = (items: Item[]) => Promise<Result[]>

export interface WriteBatcher<Item, Result> {
  add: (item: Item) => Promise<Result>
}

interface Waiting<Item, Result> {
  item: Item
  resolve: (result: Result) => void
  reject: (error: unknown) => void
}

/**
 * A batcher whose batches hold at most `maxBatch` items and are flushed by `flush`, at most
 * `maxInFlight` at once (each its own transaction: they commit in any order).
 */
export function createWriteBatcher<Item, Result> (flush: FlushBatch<Item, Result>, maxBatch: number, maxInFlight = 1): WriteBatcher<Item, Result> {
  let queue: Array<Waiting<Item, Result>> = []
  let scheduled = false
  let writing = 0

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
    setImmediate(() => { void write() })
  }

  return {
    add: (item) => new Promise<Result>((resolve, reject) => {
      queue.push({ item, resolve, reject })
      schedule()
    })
  }
}
