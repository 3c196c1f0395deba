//! The diffusion research commands end to end on the tiny synthetic data set: staged training on a
//! frozen encoder (`--encoder-from`), key-space diffusion, `seqdiff chain` and `seqdiff frontier`.

mod common;

use std::path::Path;

use common::{seqdiff, stderr, write_cyclic};

fn json_of(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// An `--objective encoder` run and a key-space denoiser trained on top of its frozen encoder.
fn encoder_and_staged(dir: &Path, data: &str) -> (String, String) {
    let (encoder, staged) = (dir.join("encoder"), dir.join("staged"));
    let (e, s) = (encoder.to_str().unwrap().to_string(), staged.to_str().unwrap().to_string());
    let small = ["--dim", "16", "--batch-size", "8"];
    let out = seqdiff(
        &[&["train", "--data", data, "--out", &e, "--epochs", "2", "--objective", "encoder"][..], &small].concat(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = seqdiff(
        &[
            &["train", "--data", data, "--out", &s, "--epochs", "2", "--encoder-from", &e, "--diffusion-space", "key"]
                [..],
            &small,
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("(frozen)"), "{}", stderr(&out));
    (e, s)
}

#[test]
fn a_staged_denoiser_leaves_its_encoder_exactly_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sequences.tsv");
    write_cyclic(&data);
    let d = data.to_str().unwrap();
    let (encoder, staged) = encoder_and_staged(dir.path(), d);
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(Path::new(&staged).join("state.json")).unwrap()).unwrap();
    assert_eq!(state["train"]["frozen_encoder"], true);
    assert_eq!(state["model"]["diffusion_space"], "key");
    for epoch in state["log"].as_array().unwrap() {
        assert_eq!(epoch["encoder_ce"], 0.0, "the frozen encoder's CE is not computed: {epoch}");
        assert!(epoch["ce"].as_f64().unwrap() > 0.0, "the denoiser trains: {epoch}");
        assert_eq!(epoch["mse"], 0.0, "key space trains by CE alone: {epoch}");
    }
    // The encoder alone scores identically from both runs, on both splits.
    for split in ["valid", "test"] {
        let a = json_of(&seqdiff(&["eval", "--model", &encoder, "--data", d, "--split", split, "--json"]));
        let b = json_of(&seqdiff(&["eval", "--model", &staged, "--data", d, "--split", split, "--encoder", "--json"]));
        for key in ["HR@10", "NDCG@10", "HR@20"] {
            assert_eq!(a[key], b[key], "{split} {key}");
        }
    }
    // A run whose encoder does not match the source is refused with the reason.
    let other = dir.path().join("other");
    let out = seqdiff(&[
        "train",
        "--data",
        d,
        "--out",
        other.to_str().unwrap(),
        "--epochs",
        "1",
        "--dim",
        "32",
        "--encoder-from",
        &encoder,
    ]);
    assert!(!out.status.success() && stderr(&out).contains("differs from this run's"), "{}", stderr(&out));
}

#[test]
fn chain_reports_every_step_and_frontier_every_method() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sequences.tsv");
    write_cyclic(&data);
    let d = data.to_str().unwrap();
    let (_, staged) = encoder_and_staged(dir.path(), d);
    let chain = json_of(&seqdiff(&[
        "chain",
        "--model",
        &staged,
        "--data",
        d,
        "--steps",
        "5",
        "--guidance",
        "1",
        "--users",
        "20",
        "--json",
    ]));
    let steps = chain["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 5);
    assert_eq!(chain["users"], 20);
    let timesteps: Vec<u64> = steps.iter().map(|s| s["timestep"].as_u64().unwrap()).collect();
    assert_eq!(timesteps.first(), Some(&49));
    assert_eq!(timesteps.last(), Some(&0));
    for s in steps {
        // Key space feeds back mixtures of normalised keys (norm ≤ √d): x_t never outgrows the scale
        // training builds it at (an unsure model's mixtures are shorter, so it may stay below).
        let (norm, train) = (s["input_norm"].as_f64().unwrap(), s["train_norm"].as_f64().unwrap());
        assert!(norm < 1.25 * train, "{s}");
        assert!((0.0..=1.0001).contains(&s["x0_cos"].as_f64().unwrap()), "{s}");
    }
    assert_eq!(steps[0]["changed_from_first"], 0.0);
    // Starting part-way: fewer distinct timesteps, the first one at s·(T − 1).
    let part = json_of(&seqdiff(&[
        "chain", "--model", &staged, "--data", d, "--steps", "5", "--start", "0.2", "--users", "10", "--json",
    ]));
    assert_eq!(part["steps"][0]["timestep"], 10);
    let no_chain = seqdiff(&["chain", "--model", &staged, "--data", d, "--steps", "0"]);
    assert!(!no_chain.status.success() && stderr(&no_chain).contains("no chain"), "{}", stderr(&no_chain));

    let out = dir.path().join("frontier.json");
    let svg = dir.path().join("frontier.svg");
    let o = seqdiff(&[
        "frontier",
        "--model",
        &staged,
        "--data",
        d,
        "--guidance",
        "0,2",
        "--steps",
        "1,5",
        "--temperature",
        "0.0001,50",
        "--mmr-lambda",
        "0.5",
        "--pop-penalty",
        "0.5",
        "--out",
        out.to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let f: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(f["diffusion"].as_array().unwrap().len(), 4);
    assert_eq!(f["temperature"].as_array().unwrap().len(), 2);
    // Almost cold sampling is the encoder's own list; hot sampling is another list.
    let (cold, hot) = (&f["temperature"][0][1], &f["temperature"][1][1]);
    assert_eq!(cold, &f["encoder"], "τ → 0 is the argmax list");
    assert_ne!((&hot["novelty"], &hot["ild"]), (&cold["novelty"], &cold["ild"]), "{cold} {hot}");
    assert_eq!(f["users"], 80);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains("softmax sampling") && text.matches("<circle").count() >= 4);
}

/// The number N in "N targets/epoch" of a run's log.
fn targets_per_epoch(log: &str) -> usize {
    let before = log.split(" targets/epoch").next().unwrap();
    before.rsplit(' ').next().unwrap().parse().unwrap_or_else(|e| panic!("{e}: {log}"))
}

#[test]
fn fine_tuning_starts_from_every_weight_and_holdout_splits_the_targets() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sequences.tsv");
    write_cyclic(&data);
    let d = data.to_str().unwrap();
    let (_, staged) = encoder_and_staged(dir.path(), d);
    let small = ["--dim", "16", "--batch-size", "8", "--epochs", "1"];

    // --init-from: with a learning rate too small to move anything, the fine-tuned run scores as its source.
    let tuned = dir.path().join("tuned");
    let t = tuned.to_str().unwrap();
    let out = seqdiff(
        &[
            &[
                "train",
                "--data",
                d,
                "--out",
                t,
                "--init-from",
                &staged,
                "--diffusion-space",
                "key",
                "--denoiser-on-top",
                "false",
                "--lr",
                "1e-12",
            ][..],
            &small,
        ]
        .concat(),
    );
    assert!(out.status.success() && stderr(&out).contains("every weight from"), "{}", stderr(&out));
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tuned.join("state.json")).unwrap()).unwrap();
    assert_eq!(state["train"]["initialised_from"], staged.as_str());
    assert_eq!(state["train"]["frozen_encoder"], false);
    for extra in [&["--steps", "1", "--guidance", "0"][..], &["--encoder"][..]] {
        let a = json_of(&seqdiff(
            &[&["eval", "--model", &staged, "--data", d, "--split", "valid", "--json"][..], extra].concat(),
        ));
        let b = json_of(&seqdiff(
            &[&["eval", "--model", t, "--data", d, "--split", "valid", "--json"][..], extra].concat(),
        ));
        assert_eq!((a["HR@10"].clone(), a["NDCG@10"].clone()), (b["HR@10"].clone(), b["NDCG@10"].clone()), "{extra:?}");
    }
    // A source with other model options is refused, naming the difference.
    let out = seqdiff(&[
        "train",
        "--data",
        d,
        "--out",
        dir.path().join("wide").to_str().unwrap(),
        "--init-from",
        &staged,
        "--dim",
        "32",
        "--epochs",
        "1",
    ]);
    assert!(!out.status.success() && stderr(&out).contains("model options differ"), "{}", stderr(&out));

    // --holdout-last: an encoder run trains on fewer targets (each user's last K withheld), and a joint
    // run, which has no encoder/denoiser split, is refused.
    let encoder_run = |name: &str, extra: &[&str]| {
        let out = seqdiff(
            &[
                &["train", "--data", d, "--out", dir.path().join(name).to_str().unwrap(), "--objective", "encoder"][..],
                &small,
                extra,
            ]
            .concat(),
        );
        assert!(out.status.success(), "{}", stderr(&out));
        targets_per_epoch(&stderr(&out))
    };
    let (all, held) = (encoder_run("all", &[]), encoder_run("held", &["--holdout-last", "2"]));
    assert!(held < all && held > 0, "{held} of {all}");
    let out = seqdiff(
        &[
            &["train", "--data", d, "--out", dir.path().join("joint").to_str().unwrap(), "--holdout-last", "2"][..],
            &small,
        ]
        .concat(),
    );
    assert!(!out.status.success() && stderr(&out).contains("--holdout-last"), "{}", stderr(&out));
}
