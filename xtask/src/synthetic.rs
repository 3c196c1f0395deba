//! `cargo xtask synthetic`: a clustered interaction log for a catalogue of any size, so the page can
//! be measured and tested at Beauty/Toys scale (12,000 items) without committing anyone's data.
//! Items fall in topics of 200; each user stays mostly in one or two topics, often walking a topic's
//! items in order (a "series"), with popular items picked more often. Written as the CSV files that
//! `seqdiff import` reads: `interactions.csv` (user,item,timestamp) and `items.csv` (item,title,genres).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

const TOPIC_SIZE: usize = 200;

pub fn write(out: &Path, items: usize, users: usize, seed: u64) -> Result<()> {
    std::fs::create_dir_all(out)?;
    let topics = items.div_ceil(TOPIC_SIZE).max(1);
    let topic_of = |item: usize| item % topics;
    // The items of each topic, most popular first (popularity falls with position).
    let members: Vec<Vec<usize>> = (0..topics).map(|t| (0..items).filter(|&i| topic_of(i) == t).collect()).collect();
    let mut catalogue = String::from("item,title,genres\n");
    for i in 0..items {
        let t = topic_of(i);
        let _ = writeln!(catalogue, "p{i},Topic {t} product {i},topic {t}");
    }
    std::fs::write(out.join("items.csv"), catalogue)?;

    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut sequences: Vec<Vec<usize>> = Vec::with_capacity(users);
    for _ in 0..users {
        let home = [rng.random_range(0..topics), rng.random_range(0..topics)];
        let length = rng.random_range(5..40);
        let mut seen = std::collections::HashSet::new();
        let mut sequence = Vec::new();
        let mut last: Option<usize> = None;
        while seen.len() < length {
            let next = match last {
                // Half the time the next item of the same topic follows (a series).
                Some(prev) if rng.random_bool(0.5) => {
                    let m = &members[topic_of(prev)];
                    let at = m.iter().position(|&x| x == prev).unwrap_or(0);
                    m[(at + 1) % m.len()]
                }
                _ => {
                    let t = match rng.random_range(0..10) {
                        0..7 => home[0],
                        7..9 => home[1],
                        _ => rng.random_range(0..topics),
                    };
                    let m = &members[t];
                    // Skewed towards the topic's first (popular) items.
                    let x: f64 = rng.random_range(0.0..1.0);
                    m[((x * x) * m.len() as f64) as usize % m.len()]
                }
            };
            if seen.insert(next) {
                sequence.push(next);
            }
            last = Some(next);
        }
        sequences.push(sequence);
    }
    // Every item is someone's at least once, so the catalogue has exactly `items` items.
    let mut used = vec![false; items];
    sequences.iter().flatten().for_each(|&i| used[i] = true);
    for item in (0..items).filter(|&i| !used[i]) {
        sequences[rng.random_range(0..users)].push(item);
    }
    let mut log = String::from("user,item,timestamp\n");
    for (u, sequence) in sequences.iter().enumerate() {
        let mut time = 1_600_000_000u64 + rng.random_range(0..1_000_000);
        for item in sequence {
            time += rng.random_range(60..86_400);
            let _ = writeln!(log, "u{u},p{item},{time}");
        }
    }
    std::fs::write(out.join("interactions.csv"), log)?;
    Ok(())
}
