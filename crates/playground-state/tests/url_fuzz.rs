//! Property test of the URL-state parser on random and mutated queries (real field names, huge and
//! tiny numbers, NaN/inf, unicode, percent-garbage, repeated fields, histories of 5,000 ids).
//! `cargo test` runs 256 cases (or `PROPTEST_CASES`); `cargo xtask fuzz` runs 1,000,000.
#![cfg(not(target_arch = "wasm32"))]

use playground_state::url_state::{
    DEFAULT_DATASET, ETA_STEP, GUIDANCE_MAX, GUIDANCE_MIN, GUIDANCE_STEP, SEED_MAX, SEEDS_MAX, START_MIN, START_STEP,
    dataset_from_query, hosted_dataset,
};
use playground_state::{BackendChoice, Limits, PageState};
use proptest::prelude::*;

const FIELDS: &[&str] = &[
    "dataset", "history", "guidance", "steps", "seeds", "eta", "start", "seed", "mask", "holdout", "backend", "compare",
];

fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<f64>().prop_map(|v| v.to_string()),
        (-20i64..40).prop_map(|v| v.to_string()),
        (-40i64..80).prop_map(|v| format!("{}", v as f64 / 4.0)),
        Just("NaN".to_string()),
        Just("inf".to_string()),
        Just("-inf".to_string()),
        Just("1e400".to_string()),
        Just("-0".to_string()),
        Just("1e-400".to_string()),
        "[0-9]{15,40}",
        "-[0-9]{1,25}",
        "[+-]?[0-9]{0,3}[.]?[0-9]{0,3}([eE][+-]?[0-9]{1,4})?",
    ]
}

fn history_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(0u64..2_000, 0..60).prop_map(|ids| ids
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(",")),
        // Long histories: 5,000 ids, some repeated, some unknown.
        (1u64..1_500, 1u64..7).prop_map(|(start, stride)| (0..5_000u64)
            .map(|i| ((start + i * stride) % 2_100).to_string())
            .collect::<Vec<_>>()
            .join(",")),
        prop::collection::vec(
            prop_oneof!["[0-9]{1,4}", "[ ,]{0,3}", "\\PC{0,6}", "[0-9]{20,30}", Just("-3".to_string())],
            0..20
        )
        .prop_map(|t| t.join(",")),
    ]
}

fn value_text() -> impl Strategy<Value = String> {
    prop_oneof![
        number_text(),
        history_text(),
        prop::sample::select(vec![
            "0",
            "1",
            "true",
            "FALSE",
            "on",
            "no",
            "yes",
            "maybe",
            "auto",
            "WebGPU",
            "cpu",
            "gpu",
            "ml-100k",
            "ml-1m",
            " ml-100k ",
            "diffurec",
            "dreamrec",
            "ours",
            "none",
            ""
        ])
        .prop_map(str::to_string),
        "\\PC{0,24}",
        ".{0,24}",
    ]
}

fn key_text() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(FIELDS.to_vec()).prop_map(str::to_string),
        1 => "\\PC{0,10}",
        1 => prop::sample::select(vec!["Guidance", "history ", "seed[]", "", "<script>"]).prop_map(str::to_string),
    ]
}

/// One `key=value` pair, either percent-encoded properly or written raw (so `&`, `=`, `%` and
/// broken escapes such as `%E2%8` reach the parser as they are).
fn pair_text() -> impl Strategy<Value = String> {
    (
        key_text(),
        value_text(),
        any::<bool>(),
        prop::option::of(prop::sample::select(vec!["%", "%zz", "%E2%8", "%00", "%26", "+", "=="])),
    )
        .prop_map(|(k, v, encode, garbage)| {
            let mut pair = if encode {
                form_urlencoded::Serializer::new(String::new()).append_pair(&k, &v).finish()
            } else {
                format!("{k}={v}")
            };
            if let Some(g) = garbage {
                pair.push_str(g);
            }
            pair
        })
}

fn query_text() -> impl Strategy<Value = String> {
    (prop::collection::vec(pair_text(), 0..14), any::<bool>()).prop_map(|(pairs, question)| {
        let q = pairs.join("&");
        if question { format!("?{q}") } else { q }
    })
}

fn limits() -> impl Strategy<Value = Limits> {
    (1usize..2_000, 1usize..=200, 0usize..=1_000).prop_map(|(num_items, max_history, max_steps)| Limits {
        num_items,
        max_history,
        max_steps,
    })
}

fn defaults(limits: &Limits) -> PageState {
    PageState {
        dataset: DEFAULT_DATASET.into(),
        history: (1..=limits.num_items.min(limits.max_history).min(3) as u32).collect(),
        guidance: 1.0,
        steps: limits.max_steps.min(2),
        seeds: 1,
        eta: 0.0,
        start: 1.0,
        seed: 0,
        mask_history: true,
        hold_out: false,
        backend: BackendChoice::Auto,
        compare: None,
    }
}

fn on_grid(v: f64, step: f64) -> bool {
    let k = v / step;
    (k - k.round()).abs() < 1e-9
}

/// What a field's raw value literally says, serialised the way `to_query` writes the state's
/// value; None when it says nothing valid.
fn literal(key: &str, raw: &str) -> Option<String> {
    let v = raw.trim();
    let number = |x: f64| {
        if x == 0.0 { "0".to_string() } else { x.to_string() }
    };
    match key {
        "dataset" => Some(v.to_string()),
        "guidance" | "eta" | "start" => v.parse::<f64>().ok().map(number),
        "steps" | "seeds" | "seed" => v.parse::<u64>().ok().map(|x| x.to_string()),
        "mask" | "holdout" => match v.to_ascii_lowercase().as_str() {
            "1" | "true" | "on" | "yes" => Some("1".into()),
            "0" | "false" | "off" | "no" => Some("0".into()),
            _ => None,
        },
        "backend" => Some(v.to_ascii_lowercase()),
        // Compare mode off is written as no field at all.
        "compare" => Some(if v.eq_ignore_ascii_case("none") { String::new() } else { v.to_string() }),
        "history" => {
            let ids: Option<Vec<String>> = v
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| t.parse::<u64>().ok().map(|x| x.to_string()))
                .collect();
            ids.map(|ids| ids.join(","))
        }
        _ => None,
    }
}

/// The state's value of `key` as `to_query` writes it ("" for compare mode off, which it omits).
fn written(state: &PageState, key: &str) -> String {
    let query = state.to_query();
    let value = form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == key).map(|(_, v)| v.into_owned());
    match value {
        Some(v) => v,
        None if key == "compare" => String::new(),
        None => panic!("to_query writes every field but compare"),
    }
}

fn has_notice(notices: &[String], key: &str) -> bool {
    notices.iter().any(|n| {
        n.starts_with(&format!("{key} "))
            || n.starts_with(&format!("{key}:"))
            || n.starts_with(&format!("unknown {key} "))
            || n.starts_with(&format!("field \"{key}\" appears"))
    })
}

fn check(query: &str, limits: &Limits) -> Result<(), TestCaseError> {
    let defaults = defaults(limits);
    let (state, notices) = PageState::from_query(query, &defaults, limits);

    // Every field inside its control's range and on its grid.
    // The loaded bundle counts, whatever the link says; what it says opens only a folder name.
    prop_assert_eq!(&state.dataset, &defaults.dataset);
    let opened = dataset_from_query(query);
    prop_assert!(hosted_dataset(&opened).as_ref() == Ok(&opened), "{:?}", opened);
    prop_assert!(
        state.guidance.is_finite()
            && (GUIDANCE_MIN..=GUIDANCE_MAX).contains(&state.guidance)
            && on_grid(state.guidance, GUIDANCE_STEP)
    );
    prop_assert!(state.eta.is_finite() && (0.0..=1.0).contains(&state.eta) && on_grid(state.eta, ETA_STEP));
    prop_assert!(
        state.start.is_finite() && (START_MIN..=1.0).contains(&state.start) && on_grid(state.start, START_STEP)
    );
    prop_assert!(state.steps <= limits.max_steps);
    prop_assert!((1..=SEEDS_MAX).contains(&state.seeds));
    prop_assert!(state.seed <= SEED_MAX);
    prop_assert!(state.history.len() <= limits.max_history);
    prop_assert!(state.history.iter().all(|&i| i >= 1 && i as usize <= limits.num_items));
    let mut unique = state.history.clone();
    unique.sort_unstable();
    unique.dedup();
    prop_assert_eq!(unique.len(), state.history.len(), "history holds a repeated item");

    // Parsing the serialised state gives the same state, silently.
    let (again, again_notices) = PageState::from_query(&state.to_query(), &defaults, limits);
    prop_assert_eq!(&again, &state);
    prop_assert!(again_notices.is_empty(), "{:?}", again_notices);

    // A notice for every dropped or changed field: where the state does not say what the query's
    // (last) value for a field says, a notice names that field.
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.strip_prefix('?').unwrap_or(query).as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    for key in FIELDS {
        if let Some((_, raw)) = pairs.iter().rev().find(|(k, _)| k == key) {
            if literal(key, raw) != Some(written(&state, key)) {
                prop_assert!(
                    has_notice(&notices, key),
                    "field {} = {:?} became {:?} without a notice: {:?}",
                    key,
                    raw,
                    written(&state, key),
                    notices
                );
            }
        }
    }
    if pairs.iter().any(|(k, _)| !FIELDS.contains(&k.as_str())) {
        prop_assert!(notices.iter().any(|n| n.starts_with("ignored unknown field")), "{:?}", notices);
    }
    // Notices are short enough to show: a raw value is quoted at most 32 characters long.
    prop_assert!(notices.iter().all(|n| n.chars().count() < 400));
    Ok(())
}

proptest! {
    #[test]
    fn any_query_gives_a_valid_state_that_round_trips_with_a_notice_for_every_change(query in query_text(), limits in limits()) {
        check(&query, &limits)?;
    }

    #[test]
    fn any_byte_string_parses_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..200), limits in limits()) {
        check(&String::from_utf8_lossy(&bytes), &limits)?;
    }
}
