/**
 * Integers appended one at a time into a typed array that doubles as it fills: a million appends
 * onto a plain array cost several times as much, and hostile text makes a million of them.
 */
export class IntBuffer {
  private data = new Int32Array(64);
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(value: number): void {
    if (this.size === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.size++] = value;
  }

  at(index: number): number {
    return this.data[index];
  }

  set(index: number, value: number): void {
    this.data[index] = value;
  }

  /** The values so far, shared with the buffer (appends after this call may not show in it). */
  values(): Int32Array {
    return this.data.subarray(0, this.size);
  }

  clear(): void {
    this.size = 0;
  }

  /** The values as UTF-16 code units: a string, built a chunk at a time (one piece per unit would cost a rope of a million pieces). */
  toText(): string {
    let out = '';
    for (let k = 0; k < this.size; k += 4096) out += String.fromCharCode(...this.data.subarray(k, Math.min(this.size, k + 4096)));
    return out;
  }
}
