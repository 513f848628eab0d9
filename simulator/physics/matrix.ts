/** Small dense-matrix helpers for the 6×6 mass matrix (row-major Float64Array). */

/** Inverse of an n×n matrix by Gauss–Jordan elimination with partial pivoting. */
export function invert(a: Float64Array, n: number): Float64Array {
  const m = new Float64Array(a);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(m[r * n + col] as number) > Math.abs(m[pivot * n + col] as number)) pivot = r;
    }
    const pv = m[pivot * n + col] as number;
    if (Math.abs(pv) < 1e-12) throw new RangeError("matrix is singular");
    if (pivot !== col) {
      for (let c = 0; c < n; c++) {
        swap(m, col * n + c, pivot * n + c);
        swap(inv, col * n + c, pivot * n + c);
      }
    }
    for (let c = 0; c < n; c++) {
      m[col * n + c] = (m[col * n + c] as number) / pv;
      inv[col * n + c] = (inv[col * n + c] as number) / pv;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r * n + col] as number;
      if (f === 0) continue;
      for (let c = 0; c < n; c++) {
        m[r * n + c] = (m[r * n + c] as number) - f * (m[col * n + c] as number);
        inv[r * n + c] = (inv[r * n + c] as number) - f * (inv[col * n + c] as number);
      }
    }
  }
  return inv;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i] as number;
  a[i] = a[j] as number;
  a[j] = t;
}

/** out = A·x for an n×n matrix A. */
export function mulVec(a: Float64Array, x: Float64Array, n: number, out: Float64Array): Float64Array {
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let c = 0; c < n; c++) s += (a[r * n + c] as number) * (x[c] as number);
    out[r] = s;
  }
  return out;
}
