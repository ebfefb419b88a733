//! A small, seeded, portable random source and the distributions the seed
//! draws from.
//!
//! Written out rather than taken from a crate so that a seed produces the same
//! dataset on every platform and with every dependency version: xoshiro256**
//! seeded through SplitMix64, and a continuous power law for "Zipf-like".

/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64.
#[derive(Debug, Clone)]
pub(super) struct Rng {
    state: [u64; 4],
}

impl Rng {
    /// The generator for `stream` of `seed`. Every table draws from its own
    /// stream, so changing how many comments are made leaves the posts as
    /// they were.
    pub(super) fn new(seed: u64, stream: u64) -> Self {
        let mut mix = seed ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut next = || {
            mix = mix.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = mix;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        Self { state: [next(), next(), next(), next()] }
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        let [s0, s1, s2, s3] = &mut self.state;
        let result = s1.wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = *s1 << 17;
        *s2 ^= *s0;
        *s3 ^= *s1;
        *s1 ^= *s2;
        *s0 ^= *s3;
        *s2 ^= t;
        *s3 = s3.rotate_left(45);
        result
    }

    /// A number in `0..n` (`n` > 0), by multiply-shift (the bias is below 2^-32
    /// for any `n` used here).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// An index into a slice of `len` > 0 items.
    pub(super) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// A number in `low..=high`.
    pub(super) fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high - low + 1)
    }

    /// A uniform number in `[0, 1)`.
    pub(super) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1_u64 << 53) as f64)
    }

    /// `true` with probability `p`.
    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// A standard normal number (Box-Muller).
    pub(super) fn normal(&mut self) -> f64 {
        let u = 1.0 - self.unit();
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// An exponential number with mean `mean`.
    pub(super) fn exponential(&mut self, mean: f64) -> f64 {
        -(1.0 - self.unit()).ln() * mean
    }
}

/// Ranks `0..n` drawn with density proportional to `(1 + rank)^-s`: a
/// continuous power law, the usual stand-in for Zipf's law that needs no
/// table. Rank 0 is the most frequent.
#[derive(Debug, Clone, Copy)]
pub(super) struct PowerLaw {
    n: usize,
    s: f64,
    total: f64,
}

impl PowerLaw {
    pub(super) fn new(n: usize, s: f64) -> Self {
        let n = n.max(1);
        Self { n, s, total: Self::integral(n as f64, s) }
    }

    /// `∫₀ˣ (1 + t)^-s dt`.
    fn integral(x: f64, s: f64) -> f64 {
        if (s - 1.0).abs() < 1e-9 { (1.0 + x).ln() } else { ((1.0 + x).powf(1.0 - s) - 1.0) / (1.0 - s) }
    }

    fn inverse(y: f64, s: f64) -> f64 {
        if (s - 1.0).abs() < 1e-9 { y.exp() - 1.0 } else { (1.0 + y * (1.0 - s)).powf(1.0 / (1.0 - s)) - 1.0 }
    }

    pub(super) fn sample(&self, rng: &mut Rng) -> usize {
        let x = Self::inverse(rng.unit() * self.total, self.s);
        (x.max(0.0) as usize).min(self.n - 1)
    }
}

/// A bijection of `0..n` (`i ↦ (a·i + b) mod n` with `a` coprime to `n`), so
/// that "the most popular" user or post is not simply the first one made.
#[derive(Debug, Clone, Copy)]
pub(super) struct Shuffle {
    n: u64,
    a: u64,
    b: u64,
}

impl Shuffle {
    pub(super) fn new(n: usize, rng: &mut Rng) -> Self {
        let n = (n as u64).max(1);
        let mut a = rng.below(n) | 1;
        while gcd(a, n) != 1 {
            a += 2;
        }
        Self { n, a: a % n.max(2), b: rng.below(n) }
    }

    pub(super) fn apply(&self, i: usize) -> usize {
        if self.n == 1 {
            return 0;
        }
        ((u128::from(self.a) * i as u128 + u128::from(self.b)) % u128::from(self.n)) as usize
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_the_same_numbers_and_streams_differ() {
        let first: Vec<u64> = (0..4)
            .map({
                let mut rng = Rng::new(42, 1);
                move |_| rng.next_u64()
            })
            .collect();
        let again: Vec<u64> = (0..4)
            .map({
                let mut rng = Rng::new(42, 1);
                move |_| rng.next_u64()
            })
            .collect();
        let other: Vec<u64> = (0..4)
            .map({
                let mut rng = Rng::new(42, 2);
                move |_| rng.next_u64()
            })
            .collect();
        assert_eq!(first, again);
        assert_ne!(first, other);
    }

    #[test]
    fn power_law_favours_low_ranks_and_stays_in_range() {
        let mut rng = Rng::new(7, 0);
        let law = PowerLaw::new(500, 1.0);
        let mut counts = vec![0_u32; 500];
        for _ in 0..100_000 {
            counts[law.sample(&mut rng)] += 1;
        }
        assert!(counts[0] > counts[10] && counts[10] > counts[200], "{:?}", &counts[..12]);
        assert!(counts[499] > 0, "the tail is reachable");
    }

    #[test]
    fn shuffle_is_a_bijection() {
        let mut rng = Rng::new(3, 0);
        for n in [1, 2, 10, 97, 1000] {
            let shuffle = Shuffle::new(n, &mut rng);
            let mut seen = vec![false; n];
            for i in 0..n {
                seen[shuffle.apply(i)] = true;
            }
            assert!(seen.iter().all(|s| *s), "n = {n}");
        }
    }
}
