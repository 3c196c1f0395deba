//! URL state: round trip and hostile inputs. ComputeBackend natively and, compiled for wasm32, in headless
//! Chromium (`cargo xtask test`), where the page really parses its URL.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use playground_state::url_state::{dataset_from_query, hosted_dataset, split_model};
use playground_state::{BackendChoice, Limits, PageState};

const LIMITS: Limits = Limits { num_items: 1349, max_history: 50, max_steps: 50 };

fn defaults() -> PageState {
    PageState {
        dataset: "ml-100k".into(),
        history: vec![50, 100, 181],
        guidance: 1.0,
        steps: 2,
        seeds: 1,
        eta: 0.0,
        start: 1.0,
        seed: 0,
        mask_history: false,
        hold_out: false,
        backend: BackendChoice::Auto,
        compare: None,
    }
}

fn parse(q: &str) -> (PageState, Vec<String>) {
    PageState::from_query(q, &defaults(), &LIMITS)
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn every_state_survives_a_round_trip() {
    let states = [
        defaults(),
        PageState { history: vec![], ..defaults() },
        PageState {
            history: (1..=50).rev().collect(),
            guidance: -1.0,
            steps: 50,
            seeds: 8,
            eta: 0.35,
            start: 0.15,
            seed: u32::MAX as u64,
            mask_history: true,
            hold_out: true,
            backend: BackendChoice::WebGpu,
            ..defaults()
        },
        PageState { guidance: 7.5, eta: 1.0, backend: BackendChoice::Cpu, ..defaults() },
        PageState { start: 0.05, ..defaults() },
    ];
    for s in states {
        let q = s.to_query();
        let (back, notices) = parse(&q);
        assert_eq!(back, s, "{q}");
        assert!(notices.is_empty(), "{q}: {notices:?}");
        // With or without the leading "?".
        assert_eq!(parse(&format!("?{q}")).0, s);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn missing_fields_keep_their_defaults() {
    let (s, notices) = parse("");
    assert_eq!(s, defaults());
    assert!(notices.is_empty());
    let (s, _) = parse("steps=7");
    assert_eq!(s, PageState { steps: 7, ..defaults() });
    // An explicitly empty history is an empty history, not the default one.
    assert!(parse("history=").0.history.is_empty());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn out_of_range_numbers_are_clamped_with_a_notice() {
    let (s, notices) = parse("guidance=100&steps=51&seeds=99&eta=-3&seed=99999999999999999999999");
    assert_eq!((s.guidance, s.steps, s.seeds, s.eta, s.seed), (8.0, 50, 8, 0.0, u32::MAX as u64));
    assert_eq!(notices.len(), 5, "{notices:?}");
    assert!(notices[0].contains("guidance") && notices[0].contains("using 8"), "{}", notices[0]);
    // Off-grid values snap to the slider's step.
    let (s, notices) = parse("guidance=1.3&eta=0.33");
    assert_eq!((s.guidance, s.eta), (1.5, 0.35));
    assert_eq!(notices.len(), 2);
    let (s, notices) = parse("steps=-4");
    assert_eq!(s.steps, 0);
    assert!(notices[0].contains("below"), "{notices:?}");
    // Steps 0 (the encoder alone, no denoising) is a setting, not an error.
    let (s, notices) = parse("steps=0");
    assert_eq!((s.steps, notices.len()), (0, 0));
    // Start strength: 0 would leave no chain; it is raised to the smallest start, above 1 lowered.
    let (s, notices) = parse("start=0");
    assert_eq!((s.start, notices.len()), (0.05, 1));
    assert!(notices[0].starts_with("start") && notices[0].contains("using 0.05"), "{notices:?}");
    assert_eq!(parse("start=7").0.start, 1.0);
    assert_eq!(parse("start=0.33").0.start, 0.35);
    let (s, notices) = parse("start=NaN");
    assert_eq!((s.start, notices.len()), (1.0, 1));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn malformed_values_fall_back_to_defaults_with_a_notice() {
    let (s, notices) =
        parse("guidance=abc&steps=1e3&seeds=&eta=NaN&seed=0x10&mask=maybe&holdout=2&backend=cuda&dataset=netflix");
    assert_eq!(s, defaults());
    assert_eq!(notices.len(), 9, "{notices:?}");
    assert!(notices.iter().any(|n| n.contains("unknown backend \"cuda\"")));
    assert!(notices.iter().any(|n| n.contains("dataset \"netflix\": no model bundle models/netflix/")));
    assert!(parse("guidance=inf").1[0].contains("not a number"));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn history_drops_unknown_malformed_repeated_and_excess_items() {
    let (s, notices) = parse("history=5,abc,0,1350,-2,7,5,%3Cb%3E,9");
    assert_eq!(s.history, vec![5, 7, 9]);
    assert_eq!(notices.len(), 3, "{notices:?}");
    assert!(notices.iter().any(|n| n.contains("1 repeated")));
    assert!(notices.iter().any(|n| n.contains("2 unknown item ids") && n.contains("1–1349")));
    let long: Vec<String> = (1..=80).map(|i| i.to_string()).collect();
    let (s, notices) = parse(&format!("history={}", long.join(",")));
    assert_eq!(s.history, (31..=80).collect::<Vec<u32>>(), "the newest 50 are kept");
    assert!(notices[0].contains("kept the newest 50"));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn hostile_keys_and_values_are_quoted_short_and_never_trusted() {
    let markup = "<img src=x onerror=alert(1)>";
    let q = format!("{}={}&steps=%00%0A&&=&history=1,,2", urlenc(markup), urlenc(&markup.repeat(100)));
    let (s, notices) = parse(&q);
    assert_eq!(s.history, vec![1, 2]);
    assert_eq!(s.steps, defaults().steps);
    assert!(notices.iter().all(|n| n.chars().count() < 200), "{notices:?}");
    assert!(notices.iter().all(|n| !n.contains('\n') && !n.contains('\0')), "{notices:?}");
    // Invalid percent-encoding and UTF-8 do not panic.
    let _ = parse("history=%FF%FE&guidance=%E0%A4%A&%%%=%");
    // Repeated fields: the last counts, with a notice.
    let (s, notices) = parse("steps=3&steps=9");
    assert_eq!(s.steps, 9);
    assert_eq!(notices.len(), 1);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn dataset_is_read_before_the_bundle_loads() {
    assert_eq!(dataset_from_query("?steps=3&dataset=ml-100k"), "ml-100k");
    assert_eq!(dataset_from_query("?steps=3"), "ml-100k");
    // Any folder name may name a hosted bundle; nothing else reaches a URL.
    assert_eq!(dataset_from_query("dataset=toys_12k&dataset=Beauty-5"), "Beauty-5", "the last counts");
    for hostile in ["../../etc/passwd", ".hidden", "a/b", "%2e%2e", "<b>x</b>", "-x", "", "local:my-run", "http://evil"]
    {
        assert_eq!(dataset_from_query(&format!("dataset={}", urlenc(hostile))), "ml-100k", "{hostile}");
        assert!(hosted_dataset(hostile).is_err(), "{hostile}");
    }
    assert!(hosted_dataset(&"a".repeat(65)).is_err());
    assert!(hosted_dataset(&"a".repeat(64)).is_ok());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_link_for_another_bundle_keeps_its_settings_but_not_its_history() {
    // The page fell back to ml-100k (the defaults' bundle) for a link made with another model.
    let (s, notices) = parse("history=1,2,3&dataset=local:my-run&steps=3");
    assert_eq!(s.dataset, "ml-100k");
    assert_eq!(s.history, defaults().history, "another catalogue's ids are not this one's items");
    assert_eq!(s.steps, 3, "sampling settings mean the same for every model");
    assert!(
        notices.iter().any(|n| n.starts_with("dataset \"my-run\": this link was made with a model opened from disk"))
    );
    assert!(notices.iter().any(|n| n.starts_with("history: the link's items belong to \"local:my-run\"")));
    let (_, notices) = parse("dataset=toys&steps=3");
    assert_eq!(
        notices,
        vec!["dataset \"toys\": no model bundle models/toys/ on this site; showing ml-100k".to_string()]
    );
    // The loaded bundle's own name, written by the page itself, is silent.
    assert!(parse("dataset=ml-100k&history=1,2").1.is_empty());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn hold_out_and_history_editing() {
    let mut s = PageState { history: vec![1, 2, 3], hold_out: true, ..defaults() };
    assert_eq!(s.model_input(), (&[1, 2][..], Some(3)));
    s.hold_out = false;
    assert_eq!(s.model_input(), (&[1, 2, 3][..], None));
    // One item cannot be both input and answer.
    let single = PageState { history: vec![4], hold_out: true, ..defaults() };
    assert_eq!(single.model_input(), (&[4][..], None));

    s.add_item(2, &LIMITS);
    assert_eq!(s.history, vec![1, 3, 2], "re-adding moves to the end");
    s.move_earlier(2);
    assert_eq!(s.history, vec![1, 2, 3]);
    s.move_later(0);
    assert_eq!(s.history, vec![2, 1, 3]);
    s.move_earlier(0);
    s.move_later(2);
    s.remove_at(7);
    assert_eq!(s.history, vec![2, 1, 3], "edges and bad indices are no-ops");
    s.remove_at(1);
    assert_eq!(s.history, vec![2, 3]);
    let small = Limits { max_history: 2, ..LIMITS };
    s.add_item(9, &small);
    assert_eq!(s.history, vec![3, 9], "the oldest drops out when full");
}

fn urlenc(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_model_field_picks_a_designs_bundle_and_a_hostile_one_the_default() {
    assert_eq!(dataset_from_query("dataset=ml-100k&model=dreamrec"), "ml-100k-dreamrec");
    assert_eq!(dataset_from_query("model=diffurec"), "ml-100k-diffurec", "the default dataset's design");
    assert_eq!(dataset_from_query("dataset=toys&model=ours"), "toys");
    for hostile in ["ddpm", "../x", "<b>x</b>", "dreamrec/../..", "", "DreamRec"] {
        let q = format!("dataset=ml-100k&model={}", urlenc(hostile));
        assert_eq!(dataset_from_query(&q), "ml-100k", "{hostile}");
    }
    // Loaded with the design's bundle, its own link is silent and keeps the history.
    let design = PageState { dataset: "ml-100k-dreamrec".into(), ..defaults() };
    let (s, notices) = PageState::from_query("dataset=ml-100k&model=dreamrec&history=1,2", &design, &LIMITS);
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(s.history, vec![1, 2]);
    // The page writes the design as model=, and reads it back.
    assert!(design.to_query().starts_with("dataset=ml-100k&model=dreamrec&"), "{}", design.to_query());
    assert_eq!(PageState::from_query(&design.to_query(), &design, &LIMITS).0, design);
    // An unknown model gets the default and says why; a missing design bundle names its folder.
    let (_, notices) = parse("model=ddpm&steps=3");
    assert_eq!(
        notices,
        vec!["unknown model \"ddpm\" (expected ours, diffurec, dreamrec or diffurecsys); showing ml-100k".to_string()]
    );
    let (_, notices) = parse("dataset=toys&model=dreamrec");
    assert_eq!(
        notices,
        vec![
            "dataset \"toys-dreamrec\": no model bundle models/toys-dreamrec/ on this site; showing ml-100k"
                .to_string()
        ]
    );
    assert_eq!(split_model("ml-100k-diffurecsys"), ("ml-100k", "diffurecsys"));
    assert_eq!(split_model("ml-100k"), ("ml-100k", "ours"));
    assert_eq!(split_model("-dreamrec"), ("-dreamrec", "ours"));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_compare_field_names_another_model_of_the_same_dataset() {
    let (s, notices) = parse("compare=diffurec&steps=1");
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(s.compare.as_deref(), Some("diffurec"));
    // Written last, read back to the same state; off is no field at all.
    assert!(s.to_query().ends_with("&compare=diffurec"), "{}", s.to_query());
    assert_eq!(parse(&s.to_query()).0, s);
    assert!(!defaults().to_query().contains("compare"));
    assert_eq!(parse("compare=none").0.compare, None);
    // From a design's page, ours is a model to compare with; the shown model is not.
    let design = PageState { dataset: "ml-100k-dreamrec".into(), ..defaults() };
    let (s, _) = PageState::from_query("dataset=ml-100k&model=dreamrec&compare=ours", &design, &LIMITS);
    assert_eq!(s.compare.as_deref(), Some("ours"));
    let (s, notices) = PageState::from_query("dataset=ml-100k&model=dreamrec&compare=dreamrec", &design, &LIMITS);
    assert_eq!(s.compare, None);
    assert_eq!(notices, vec!["compare: \"dreamrec\" is the model shown; compare mode is off".to_string()]);
    // Hostile values never reach a folder name: compare mode is off, with a notice that quotes them as text.
    for hostile in ["ddpm", "../x", "<b>x</b>", "DiffuRec", "diffurec/../.."] {
        let (s, notices) = parse(&format!("compare={}", urlenc(hostile)));
        assert_eq!(s.compare, None, "{hostile}");
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(notices[0].starts_with("compare: unknown model \""), "{notices:?}");
    }
    // A model opened from disk has nothing to compare with.
    let local = PageState { dataset: "local:my-export".into(), ..defaults() };
    let (s, notices) = PageState::from_query("compare=diffurec", &local, &LIMITS);
    assert_eq!(s.compare, None);
    assert!(notices[0].contains("opened from disk"), "{notices:?}");
}
