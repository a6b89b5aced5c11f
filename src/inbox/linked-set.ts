// The runs in flight, kept in a doubly linked list rather than a Map or Set. A Map that lives as long
// as the process but takes and drops an entry per event reallocates its hash table every few dozen
// changes; a table that had lived long enough to be promoted, once replaced, still holds the entries
// it had, and V8's scavenges keep those (and all they reach: promises, parsed events, write batches)
// alive until the next full GC. Under the suite's load that promoted 2-4 KB per event and set off a
// mark-compact every 0.2-0.7 s in most processes (README.md, "Promotion under load"). A list entry
// is one small object per run, and one that is taken out keeps no reference to anything.

/** One value in a LinkedSet; the handle that deletes it. */
export interface LinkedEntry<T> {
  readonly value: T
}

interface Node<T> extends LinkedEntry<T> {
  value: T
  previous: Node<T> | null
  next: Node<T> | null
  /** False once deleted: a node deleted twice is deleted once. */
  linked: boolean
}

/** An insertion-ordered collection with O(1) add and delete by entry, and no hash table. */
export class LinkedSet<T> {
  #first: Node<T> | null = null
  #last: Node<T> | null = null
  #size = 0

  get size (): number {
    return this.#size
  }

  /** Appends `value`; the returned entry deletes it. */
  add (value: T): LinkedEntry<T> {
    const node: Node<T> = { value, previous: this.#last, next: null, linked: true }
    if (this.#last === null) this.#first = node
    else this.#last.next = node
    this.#last = node
    this.#size++
    return node
  }

  /** Takes `entry` out; false when it was out already. The entry keeps no reference, its value included. */
  delete (entry: LinkedEntry<T>): boolean {
    const node = entry as Node<T>
    if (!node.linked) return false
    if (node.previous === null) this.#first = node.next
    else node.previous.next = node.next
    if (node.next === null) this.#last = node.previous
    else node.next.previous = node.previous
    node.previous = null
    node.next = null
    node.linked = false
    node.value = undefined as T
    this.#size--
    return true
  }

  /** Whether `entry` is still in the set. */
  has (entry: LinkedEntry<T>): boolean {
    return (entry as Node<T>).linked
  }

  /** The newest value that `matches`, or undefined; walks from the newest without allocating. */
  findLast (matches: (value: T) => boolean): T | undefined {
    for (let node = this.#last; node !== null; node = node.previous) {
      if (matches(node.value)) return node.value
    }
    return undefined
  }

  /** The entries, oldest first, as a copy: deleting while going through it is safe, but a deleted entry's value is gone (check has()). */
  entries (): Array<LinkedEntry<T>> {
    const entries: Array<LinkedEntry<T>> = []
    for (let node = this.#first; node !== null; node = node.next) entries.push(node)
    return entries
  }

  /** The values, oldest first, as a copy: deleting while going through it is safe. */
  values (): T[] {
    return this.entries().map((entry) => entry.value)
  }
}
