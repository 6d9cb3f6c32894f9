//! The pseudo-random numbers: splitmix64, seeded per row by a stateless hash
//! of (seed, salt, row number), so any row can be made without the ones before
//! it and the same seed always gives the same data.

/// splitmix64's output function: a good 64-bit mix.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One random-looking number per (seed, salt, n): stateless, so any row can
/// be made without the ones before it.
pub(crate) fn hash(seed: u64, salt: u64, n: u64) -> u64 {
    mix(mix(seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15)).wrapping_add(n))
}

/// splitmix64.
#[derive(Debug)]
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// Uniform in `0..bound` (0 when `bound` is 0).
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(bound)) >> 64) as u64
    }

    pub(crate) fn below_i64(&mut self, bound: i64) -> i64 {
        self.below(bound.max(0).unsigned_abs()) as i64
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any salt: the rule holds for every stream.
    const SALT: u64 = 1;

    #[test]
    fn the_random_numbers_are_reproducible_and_in_range() {
        let mut a = Rng(hash(1, SALT, 5));
        let mut b = Rng(hash(1, SALT, 5));
        for _ in 0..1000 {
            let x = a.below(10);
            assert_eq!(x, b.below(10));
            assert!(x < 10);
            let u = a.unit();
            assert_eq!(u, b.unit());
            assert!((0.0..1.0).contains(&u));
        }
        assert_ne!(hash(1, SALT, 5), hash(2, SALT, 5));
    }
}
