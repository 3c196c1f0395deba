//! Fuzzes the bundle parsers (manifest, catalogue, map, sweep, weights) with the shipped ML-100K
//! files truncated, bit-flipped, spliced with garbage and with numbers swapped for extreme ones:
//! every input gives a value or an error, never a panic, and no parse allocates more than a stated
//! multiple of its input. `cargo test` runs 256 cases (or `PROPTEST_CASES`); `cargo xtask fuzz` 1,000,000.
#![cfg(not(target_arch = "wasm32"))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use proptest::prelude::*;
use seqdiff_model::Device;
use seqdiff_model::bundle::{MAX_PARAMETERS, Manifest, model_from_bytes, parameter_bound};
use seqdiff_model::bundle_files::{MAX_FILE_BYTES, parse_catalogue, parse_map, parse_sweep};

const BUNDLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../public/models/ml-100k");
const MANIFEST: &[u8] = include_bytes!("../../../public/models/ml-100k/manifest.json");
const CATALOGUE: &[u8] = include_bytes!("../../../public/models/ml-100k/catalogue.json");
const MAP: &[u8] = include_bytes!("../../../public/models/ml-100k/map.json");
const SWEEP: &[u8] = include_bytes!("../../../public/models/ml-100k/sweep.json");

/// Records the largest single allocation made by this thread while armed (tests run on
/// threads of their own, so one test never sees another's allocations).
struct Tracking;
thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}
fn record(size: usize) {
    if ARMED.with(Cell::get) {
        LARGEST.with(|l| l.set(l.get().max(size)));
    }
}
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

/// Runs `f` and returns its value with the largest single allocation it made.
fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|l| l.set(0));
    ARMED.with(|a| a.set(true));
    let value = f();
    ARMED.with(|a| a.set(false));
    (value, LARGEST.with(Cell::get))
}

/// The stated cap: a parse allocates at most 8× its input in one block, plus 64 KiB.
fn allocation_cap(input: usize) -> usize {
    8 * input + (64 << 10)
}

fn extreme_number() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "1e308",
        "-1e308",
        "1e400",
        "18446744073709551616",
        "4294967296",
        "-1",
        "0",
        "1.5",
        "null",
        "\"x\"",
        "[]",
        "{}",
        "1000000000",
    ])
}

/// A mutated copy of `original`: number swaps (keeps the JSON shape, hits the value checks),
/// bit flips, truncation, spliced garbage, or a duplicated span (oversized arrays).
fn mutated(original: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
    let len = original.len();
    prop_oneof![
        prop::collection::vec((0..len, extreme_number()), 1..4).prop_map(move |swaps| {
            let mut text = String::from_utf8_lossy(original).into_owned();
            for (at, number) in swaps {
                // Replace the number that starts at or after `at` (if any) with `number`.
                let bytes = text.as_bytes();
                let Some(start) = (at..bytes.len())
                    .find(|&i| bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()))
                else {
                    continue;
                };
                let end = (start..bytes.len())
                    .find(|&i| !(bytes[i].is_ascii_digit() || b".eE+-".contains(&bytes[i])))
                    .unwrap_or(bytes.len());
                text.replace_range(start..end, number);
            }
            text.into_bytes()
        }),
        prop::collection::vec((0..len, 0u8..8), 1..8).prop_map(move |flips| {
            let mut b = original.to_vec();
            for (at, bit) in flips {
                b[at] ^= 1 << bit;
            }
            b
        }),
        (0..len).prop_map(move |cut| original[..cut].to_vec()),
        (0..len, prop::collection::vec(any::<u8>(), 1..64)).prop_map(move |(at, junk)| {
            let mut b = original.to_vec();
            b.splice(at..at, junk);
            b
        }),
        (0..len, 1..len.min(4096), 1usize..4).prop_map(move |(at, span, times)| {
            let mut b = original.to_vec();
            let piece = original[at..(at + span).min(len)].to_vec();
            for _ in 0..times {
                b.splice(at..at, piece.iter().copied());
            }
            b
        }),
    ]
}

fn shipped() -> Manifest {
    Manifest::parse(std::str::from_utf8(MANIFEST).unwrap()).expect("the shipped manifest parses")
}

proptest! {
    #[test]
    fn damaged_manifests_are_errors_or_stay_within_the_caps(bytes in mutated(MANIFEST)) {
        let text = String::from_utf8_lossy(&bytes);
        let (parsed, largest) = largest_allocation(|| Manifest::parse(&text));
        prop_assert!(largest <= allocation_cap(bytes.len()), "{} bytes allocated for a {}-byte manifest", largest, bytes.len());
        if let Ok(m) = parsed {
            prop_assert!(parameter_bound(&m.model) <= MAX_PARAMETERS);
            prop_assert!(m.model.dim % m.model.heads == 0 && m.model.num_items >= 1);
        }
    }

    #[test]
    fn damaged_catalogues_are_errors_or_fit_the_model(bytes in mutated(CATALOGUE)) {
        let n = shipped().model.num_items;
        let (parsed, largest) = largest_allocation(|| parse_catalogue(&bytes, n));
        prop_assert!(largest <= allocation_cap(bytes.len()), "{} bytes allocated for a {}-byte catalogue", largest, bytes.len());
        if let Ok(c) = parsed {
            prop_assert!(c.items.is_empty() || c.items.len() == n + 1);
            prop_assert_eq!(c.train_counts.len(), n + 1);
            prop_assert_eq!(c.items.is_empty(), c.warning.is_some());
        }
    }

    #[test]
    fn damaged_maps_are_errors_or_fit_the_model(bytes in mutated(MAP)) {
        let m = shipped().model;
        let (parsed, largest) = largest_allocation(|| parse_map(&bytes, m.num_items, m.dim));
        prop_assert!(largest <= allocation_cap(bytes.len()), "{} bytes allocated for a {}-byte map", largest, bytes.len());
        if let Ok(map) = parsed {
            prop_assert_eq!(map.tsne.len(), m.num_items + 1);
            prop_assert!(map.pca_point(&vec![1.0; m.dim]).iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn damaged_sweeps_are_errors_or_consistent(bytes in mutated(SWEEP)) {
        let (parsed, largest) = largest_allocation(|| parse_sweep(&bytes));
        prop_assert!(largest <= allocation_cap(bytes.len()), "{} bytes allocated for a {}-byte grid", largest, bytes.len());
        if let Ok(g) = parsed {
            prop_assert_eq!(g.metrics.len(), g.guidance.len());
            prop_assert!(g.metrics.iter().all(|row| row.len() == g.steps.len()));
            prop_assert!(g.diversity.is_empty() || (g.diversity.len() == g.guidance.len() && g.diversity.iter().all(|row| row.len() == g.steps.len())));
        }
    }
}

proptest! {
    // Each case builds a model, so this one runs a hundredth of the cases.
    #![proptest_config(ProptestConfig::with_cases((ProptestConfig::default().cases / 100).max(16)))]
    #[test]
    fn damaged_weights_are_errors_not_panics(flips in prop::collection::vec((any::<prop::sample::Index>(), 0u8..8), 1..16), cut in prop::option::of(any::<prop::sample::Index>())) {
        let weights = std::fs::read(format!("{BUNDLE}/weights.bpk")).unwrap();
        let mut bytes = weights.clone();
        for (at, bit) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= 1 << bit;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        // A value or an error; the page also checks the content hash before this.
        let _ = model_from_bytes(&shipped().model, bytes, &Device::flex());
    }
}

#[test]
fn files_above_the_size_limit_are_refused_before_parsing() {
    let huge = vec![b' '; MAX_FILE_BYTES + 1];
    let (results, largest) = largest_allocation(|| {
        (parse_catalogue(&huge, 10).is_err(), parse_map(&huge, 10, 64).is_err(), parse_sweep(&huge).is_err())
    });
    assert_eq!(results, (true, true, true));
    assert!(largest < 1 << 10, "refusing allocated {largest} bytes");
    assert!(Manifest::parse(&" ".repeat(seqdiff_model::bundle::MAX_MANIFEST_BYTES + 1)).is_err());
}

#[test]
fn the_shipped_files_parse() {
    let m = shipped().model;
    let catalogue = parse_catalogue(CATALOGUE, m.num_items).unwrap();
    assert!(catalogue.warning.is_none());
    parse_map(MAP, m.num_items, m.dim).unwrap();
    parse_sweep(SWEEP).unwrap();
    model_from_bytes(&m, std::fs::read(format!("{BUNDLE}/weights.bpk")).unwrap(), &Device::flex()).unwrap();
}
