/**
 * A fixed-capacity FIFO: pushing onto a full buffer drops the oldest item.
 * Backs the transition history, so it does not grow without bound.
 */
export class RingBuffer<T> {
  readonly capacity: number
  private readonly items: Array<T | undefined>
  private head = 0
  private count = 0

  constructor(capacity: number) {
    this.capacity = capacity
    this.items = new Array<T | undefined>(capacity)
  }

  get length(): number {
    return this.count
  }

  /** Appends `item`; returns the item it evicted, if the buffer was full. */
  push(item: T): T | undefined {
    const tail = (this.head + this.count) % this.capacity
    if (this.count < this.capacity) {
      this.items[tail] = item
      this.count++
      return undefined
    }
    const evicted = this.items[this.head]
    this.items[this.head] = item
    this.head = (this.head + 1) % this.capacity
    return evicted
  }

  /** The item at `index` counted from the oldest (0), or undefined when out of range. */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.count) return undefined
    return this.items[(this.head + index) % this.capacity]
  }

  /** Every item, oldest first. */
  toArray(): T[] {
    const out: T[] = []
    for (let i = 0; i < this.count; i++) out.push(this.at(i) as T)
    return out
  }
}
