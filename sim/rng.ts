/**
 * Seeded randomness. One generator per stream (arrivals per task, jitter per GPU), each seeded from
 * the run seed and the stream's name, so adding a stream never shifts another (STYLE habit 4).
 * Alea is used because it is fast (about 100 M draws/s here) and portable.
 */
import seedrandom from 'seedrandom';

/** Uniform draws in [0, 1). */
export type Rng = () => number;

/** A generator for one named stream of one run. */
export function streamRng(runSeed: number | string, ...stream: string[]): Rng {
  return seedrandom.alea(`gpulet/${runSeed}/${stream.join('/')}`);
}

/** Exponential draw with the given mean. */
export function exponential(rng: Rng, mean: number): number {
  return -Math.log(1 - rng()) * mean;
}

/** Standard normal draw (Box-Muller; one of the pair is discarded to keep streams simple). */
export function standardNormal(rng: Rng): number {
  const u1 = 1 - rng(); // (0, 1]
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * Gamma(shape k, scale 1) by Marsaglia and Tsang (2000); for k < 1 the boost
 * Gamma(k) = Gamma(k + 1) * U^(1/k) is used.
 */
export function gamma(rng: Rng, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * (1 - rng()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}
