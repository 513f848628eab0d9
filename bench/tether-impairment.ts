/**
 * Benchmark: cost of the tether's pure core per packet (impairment decision, delay line).
 * Run: node bench/tether-impairment.ts — prints figures, asserts nothing.
 */

import { DelayLine } from "../simulator/tether/delay-line.ts";
import { ImpairmentModel, newPlan } from "../simulator/tether/impairment.ts";
import { resolveImpairment } from "../simulator/tether/params.ts";
import { VirtualClock } from "../src/kernel/virtual-clock.ts";

function rate(label: string, n: number, fn: () => void): void {
  fn(); // warm-up pass
  const t0 = process.hrtime.bigint();
  fn();
  const ns = Number(process.hrtime.bigint() - t0);
  console.log(`${label.padEnd(52)} ${(((n / ns) * 1e9) / 1e6).toFixed(2)} M/s  (${(ns / n).toFixed(0)} ns each)`);
}

const N = 1_000_000;
const plan = newPlan();
const all = resolveImpairment({
  loss: 0.2,
  duplicate: 0.05,
  reorder: 0.1,
  delayMs: 20,
  jitterMs: 5,
  rateBps: 100_000_000,
});
rate("decide(): no impairment", N, () => {
  const m = new ImpairmentModel(resolveImpairment({}), 1);
  for (let i = 0; i < N; i++) m.decide(200, i * 0.01, plan);
});
rate("decide(): loss+dup+reorder+jitter+100 Mbit/s", N, () => {
  const m = new ImpairmentModel(all, 1);
  for (let i = 0; i < N; i++) m.decide(200, i * 0.01, plan);
});
rate("DelayLine push + release (VirtualClock, 1000 queued)", N, () => {
  const clock = new VirtualClock();
  let out = 0;
  const line = new DelayLine<number>(clock, 4096, () => {
    out += 1;
  });
  for (let i = 0; i < N; i++) {
    line.push(clock.now() + 10 + (i % 7), i);
    if (i % 1000 === 999) clock.advance(20);
  }
  clock.advance(100);
  if (out !== N) throw new Error(`lost ${N - out}`);
});
console.log(`node ${process.version} ${process.arch}`);
