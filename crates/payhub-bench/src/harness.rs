//! Timing: ours and the floor interleaved round by round, medians of per-operation times.
//!
//! Each closure is first calibrated to a batch size that takes about [`Settings::batch`]; then
//! every round times one batch of ours and one batch of the floor (the order alternates from
//! round to round, so neither side always runs on a warm or a cold cache), and the figure is the
//! median over the rounds of the per-operation time of a batch.

use std::time::{Duration, Instant};

/// How long and how often to measure.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Settings {
    /// Target wall time of one timed batch.
    pub(crate) batch: Duration,
    /// Number of rounds (each times one batch of each side); odd, so the median is a sample.
    pub(crate) rounds: usize,
}

impl Settings {
    /// The default run: 5 ms batches, 31 rounds (about a third of a second per side and figure).
    pub(crate) fn full() -> Self {
        Self {
            batch: Duration::from_millis(5),
            rounds: 31,
        }
    }

    /// A smoke run: 1 ms batches, 5 rounds. Numbers are noisy; for checking the bench itself.
    pub(crate) fn quick() -> Self {
        Self {
            batch: Duration::from_millis(1),
            rounds: 5,
        }
    }
}

/// The median per-operation times of one interleaved comparison, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Pair {
    /// Ours.
    pub(crate) ours_ns: f64,
    /// The floor.
    pub(crate) floor_ns: f64,
}

/// The median of `samples` (the mean of the two middle ones for an even count); `NaN` if empty.
pub(crate) fn median(samples: &mut [f64]) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_by(f64::total_cmp);
    let mid = samples.len() / 2;
    if samples.len() % 2 == 1 {
        samples[mid]
    } else {
        (samples[mid - 1] + samples[mid]) / 2.0
    }
}

/// Iterations of `f` that take about `target` (at least one), found by doubling.
fn calibrate(f: &mut impl FnMut(), target: Duration) -> u64 {
    // Warm up: caches, lazy statics, the allocator.
    for _ in 0..3 {
        f();
    }
    let mut n: u64 = 1;
    loop {
        let started = Instant::now();
        for _ in 0..n {
            f();
        }
        let took = started.elapsed();
        if took >= target / 4 || n >= 1 << 24 {
            let per = took.as_secs_f64() / n as f64;
            let want = (target.as_secs_f64() / per.max(1e-9)).ceil();
            return (want as u64).clamp(1, 1 << 26);
        }
        n *= 2;
    }
}

fn time_batch(f: &mut impl FnMut(), n: u64) -> f64 {
    let started = Instant::now();
    for _ in 0..n {
        f();
    }
    started.elapsed().as_secs_f64() * 1e9 / n as f64
}

/// Times `ours` against `floor`, interleaved, and returns the two medians.
pub(crate) fn compare(settings: Settings, mut ours: impl FnMut(), mut floor: impl FnMut()) -> Pair {
    let n_ours = calibrate(&mut ours, settings.batch);
    let n_floor = calibrate(&mut floor, settings.batch);
    let mut a = Vec::with_capacity(settings.rounds);
    let mut b = Vec::with_capacity(settings.rounds);
    for round in 0..settings.rounds {
        if round % 2 == 0 {
            a.push(time_batch(&mut ours, n_ours));
            b.push(time_batch(&mut floor, n_floor));
        } else {
            b.push(time_batch(&mut floor, n_floor));
            a.push(time_batch(&mut ours, n_ours));
        }
    }
    Pair {
        ours_ns: median(&mut a),
        floor_ns: median(&mut b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&mut []).is_nan());
    }

    #[test]
    fn compare_tells_a_slow_side_from_a_fast_one() {
        let settings = Settings {
            batch: Duration::from_micros(200),
            rounds: 3,
        };
        let spin = |n: u64| {
            let mut x = 0u64;
            for i in 0..n {
                x = std::hint::black_box(x.wrapping_add(i));
            }
            x
        };
        let pair = compare(
            settings,
            || {
                std::hint::black_box(spin(2000));
            },
            || {
                std::hint::black_box(spin(20));
            },
        );
        assert!(pair.ours_ns > pair.floor_ns * 5.0, "{pair:?}");
    }
}
