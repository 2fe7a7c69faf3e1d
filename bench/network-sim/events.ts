/** A binary-heap event queue for the discrete-event simulation: earliest time first, then insertion order. */
export class EventQueue {
  #heap: Array<{ t: number; seq: number; run: () => void }> = [];
  #seq = 0;
  now = 0;

  at(t: number, run: () => void): void {
    this.#heap.push({ t: Math.max(t, this.now), seq: this.#seq++, run });
    let i = this.#heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  after(seconds: number, run: () => void): void {
    this.at(this.now + seconds, run);
  }

  /** Runs events until none is left or `stop()` says so. */
  run(stop: () => boolean): void {
    while (this.#heap.length > 0 && !stop()) {
      const top = this.#heap[0] as { t: number; run: () => void };
      const last = this.#heap.pop() as { t: number; seq: number; run: () => void };
      if (this.#heap.length > 0) {
        this.#heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < this.#heap.length && this.#less(l, m)) m = l;
          if (r < this.#heap.length && this.#less(r, m)) m = r;
          if (m === i) break;
          this.#swap(i, m);
          i = m;
        }
      }
      this.now = top.t;
      top.run();
    }
  }

  #less(a: number, b: number): boolean {
    const x = this.#heap[a] as { t: number; seq: number };
    const y = this.#heap[b] as { t: number; seq: number };
    return x.t < y.t || (x.t === y.t && x.seq < y.seq);
  }

  #swap(a: number, b: number): void {
    const h = this.#heap;
    [h[a], h[b]] = [h[b] as (typeof h)[number], h[a] as (typeof h)[number]];
  }
}
