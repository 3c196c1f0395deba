//! The `seqdiff` binary end to end on a tiny synthetic data set, and its bad-input behaviour.

mod common;

use std::path::Path;
use std::process::Command;

use common::{seqdiff, stderr, write_cyclic};

/// A run folder's `state.json`.
fn run_state(run: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(run.join("state.json")).unwrap()).unwrap()
}

/// (loss, valid NDCG@10) of every epoch of a run.
fn epoch_history(run: &Path) -> Vec<(f64, f64)> {
    run_state(run)["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["loss"].as_f64().unwrap(), e["valid"]["NDCG@10"].as_f64().unwrap()))
        .collect()
}

#[test]
fn train_eval_export_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sequences.tsv");
    write_cyclic(&data);
    let run = dir.path().join("run");
    let (d, r) = (data.to_str().unwrap(), run.to_str().unwrap());
    let out = seqdiff(&["train", "--data", d, "--out", r, "--epochs", "2", "--dim", "16", "--batch-size", "8"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for f in ["manifest.json", "best.bpk", "last.bpk", "optimizer.bpk", "state.json", "sweep.json"] {
        assert!(run.join(f).is_file(), "{f} missing");
    }
    // A second train into the same folder refuses without --resume, and resumes with it.
    let again = seqdiff(&["train", "--data", d, "--out", r, "--epochs", "2", "--dim", "16"]);
    assert!(!again.status.success() && stderr(&again).contains("--resume"), "{}", stderr(&again));
    let resumed =
        seqdiff(&["train", "--data", d, "--out", r, "--epochs", "3", "--dim", "16", "--batch-size", "8", "--resume"]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let state = run_state(&run);
    assert_eq!(state["epochs_done"], 3);
    // The learning curves of the run: one panel, both curves with a point per epoch, the kept epoch ringed.
    let svg_path = dir.path().join("curves.svg");
    let curves = seqdiff(&["curves", "--run", r, "--out", svg_path.to_str().unwrap()]);
    assert!(curves.status.success(), "{}", stderr(&curves));
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains(">run<"), "{svg}");
    let polylines: Vec<&str> = svg.split("points=\"").skip(1).map(|p| p.split('"').next().unwrap()).collect();
    assert_eq!(polylines.iter().map(|p| p.split(' ').count()).collect::<Vec<_>>(), vec![3, 3]);
    assert_eq!(svg.matches("<circle").count(), 1);
    assert!(!svg.contains("NaN"));
    let missing = seqdiff(&[
        "curves",
        "--run",
        dir.path().join("nothing").to_str().unwrap(),
        "--out",
        svg_path.to_str().unwrap(),
    ]);
    assert!(!missing.status.success() && stderr(&missing).contains("state.json"), "{}", stderr(&missing));

    let eval =
        seqdiff(&["eval", "--model", r, "--data", d, "--split", "test", "--steps", "5", "--guidance", "-1", "--json"]);
    assert!(eval.status.success(), "{}", stderr(&eval));
    let json: serde_json::Value = serde_json::from_slice(&eval.stdout).unwrap();
    for key in ["HR@5", "HR@10", "HR@20", "NDCG@5", "NDCG@10", "NDCG@20"] {
        let v = json[key].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&v), "{key}={v}");
    }
    assert_eq!(json["users"], 80);
    assert_eq!(json["sampling"]["guidance"], -1.0);
    // Every number twice: the history-masked ranking of the same scores beside the unmasked one,
    // and the learned repeat offset (on by default) beside them.
    let masked = json["masked"]["HR@10"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&masked), "masked HR@10={masked}");
    assert_eq!(json["masked"]["users"], 80);
    assert!(json["repeat_offset"].as_f64().is_some(), "{json}");

    // `seqdiff sweep` measures every cell's diversity and the plain baselines' curves, which start
    // where the encoder alone (steps 0) is: the same lists, measured by two code paths.
    let sweep =
        seqdiff(&["sweep", "--model", r, "--data", d, "--guidance", "0,1", "--steps", "0,2", "--ensemble", "1"]);
    assert!(sweep.status.success(), "{}", stderr(&sweep));
    let grid: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("sweep.json")).unwrap()).unwrap();
    let names: Vec<&str> = grid["baselines"].as_array().unwrap().iter().map(|b| b["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["softmax sampling", "MMR", "popularity penalty"]);
    let (encoder_cell, encoder_diversity) = (&grid["metrics"][0][0], &grid["diversity"][0][0]);
    for curve in grid["baselines"].as_array().unwrap() {
        let points = curve["points"].as_array().unwrap();
        assert!(points.len() >= 6, "{curve}");
        let start = &points[0][1];
        assert!(
            (start["hr10"].as_f64().unwrap() - encoder_cell["HR@10"].as_f64().unwrap()).abs() < 1e-9,
            "{start} vs {encoder_cell}"
        );
        assert!(
            (start["coverage"].as_f64().unwrap() - encoder_diversity["coverage"].as_f64().unwrap()).abs() < 1e-9,
            "{start} vs {encoder_diversity}"
        );
    }
    // The strongest popularity penalty recommends less popular items than the encoder does.
    let penalty = grid["baselines"][2]["points"].as_array().unwrap();
    assert!(
        penalty.last().unwrap()[1]["novelty"].as_f64().unwrap() > penalty[0][1]["novelty"].as_f64().unwrap(),
        "{penalty:?}"
    );

    let bundle = dir.path().join("bundle");
    let export = seqdiff(&["export", "--model", r, "--data", d, "--out", bundle.to_str().unwrap()]);
    assert!(export.status.success(), "{}", stderr(&export));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(bundle.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["files"]["weights"], "weights.bpk");
    // The bundle evaluates exactly like the run it came from (both now default to the sweep's choice of
    // the settings the command leaves out, such as the start strength).
    let eval_of = |model: &str| {
        let out = seqdiff(&["eval", "--model", model, "--data", d, "--steps", "5", "--guidance", "-1", "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let (from_run, from_bundle) = (eval_of(r), eval_of(bundle.to_str().unwrap()));
    assert_eq!(from_bundle["NDCG@10"], from_run["NDCG@10"]);
    assert_eq!(from_bundle["sampling"], from_run["sampling"]);
}

/// Training is deterministic for a seed and thread count, however the threads are scheduled: two
/// runs give the same per-epoch numbers, and so does a run interrupted after epoch 1 and resumed.
#[test]
fn training_is_reproducible_and_resumes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sequences.tsv");
    write_cyclic(&data);
    let d = data.to_str().unwrap();
    let train = |name: &str, epochs: &str, extra: &[&str]| {
        let run = dir.path().join(name);
        let mut args = vec![
            "train",
            "--data",
            d,
            "--out",
            run.to_str().unwrap(),
            "--epochs",
            epochs,
            "--dim",
            "16",
            "--batch-size",
            "8",
        ];
        args.extend_from_slice(extra);
        let out = seqdiff(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        epoch_history(&run)
    };
    let first = train("a", "2", &[]);
    assert_eq!(first.len(), 2);
    assert_eq!(train("b", "2", &[]), first);
    // A resumed run continues the schedule it was planned with; with the default cosine decay an
    // `--epochs 1` run has another schedule than a 2-epoch one, so this part plans with a constant rate.
    let constant = ["--lr-schedule", "constant"];
    let whole = train("d", "2", &constant);
    train("c", "1", &constant);
    // A changed option is refused, naming it; nothing of the run changes.
    let c = dir.path().join("c");
    let before = std::fs::read(c.join("state.json")).unwrap();
    let changed = seqdiff(&[
        "train",
        "--data",
        d,
        "--out",
        c.to_str().unwrap(),
        "--epochs",
        "2",
        "--dim",
        "16",
        "--batch-size",
        "8",
        "--resume",
        "--lr",
        "0.01",
        "--dropout",
        "0.1",
    ]);
    assert!(!changed.status.success());
    let message = stderr(&changed);
    assert!(message.contains("learning_rate: 0.001 → 0.01") && message.contains("dropout: 0.5 → 0.1"), "{message}");
    assert_eq!(std::fs::read(c.join("state.json")).unwrap(), before);
    assert_eq!(train("c", "2", &["--resume"]), whole);
}

/// Warm-up epochs train the encoder alone: no denoiser loss, and they are never selected, nor
/// counted towards patience.
#[test]
fn encoder_warm_up_epochs_are_not_selected() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sequences.tsv");
    write_cyclic(&data);
    let run = dir.path().join("run");
    let (d, r) = (data.to_str().unwrap(), run.to_str().unwrap());
    let out = seqdiff(&[
        "train",
        "--data",
        d,
        "--out",
        r,
        "--epochs",
        "3",
        "--dim",
        "16",
        "--batch-size",
        "8",
        "--encoder-warmup-epochs",
        "2",
        "--patience",
        "1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out).matches("(encoder warm-up)").count(), 2, "{}", stderr(&out));
    let state = run_state(&run);
    assert_eq!(state["epochs_done"], 3);
    assert_eq!(state["best_epoch"], 3);
    let log = state["log"].as_array().unwrap();
    assert_eq!(log[0]["ce"], 0.0);
    assert!(log[0]["encoder_ce"].as_f64().unwrap() > 0.0);
    assert!(log[2]["ce"].as_f64().unwrap() > 0.0);
}

/// `--objective encoder` trains the SASRec-CE reference alone: no denoiser loss, no sweep, and
/// `eval` scores it with the encoder without being told.
#[test]
fn encoder_objective_trains_and_evaluates_the_encoder_alone() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sequences.tsv");
    write_cyclic(&data);
    let run = dir.path().join("run");
    let (d, r) = (data.to_str().unwrap(), run.to_str().unwrap());
    let out = seqdiff(&[
        "train",
        "--data",
        d,
        "--out",
        r,
        "--epochs",
        "2",
        "--dim",
        "16",
        "--batch-size",
        "8",
        "--objective",
        "encoder",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("the encoder alone (--objective encoder)"), "{}", stderr(&out));
    assert!(!run.join("sweep.json").exists(), "nothing to sweep");
    let state = run_state(&run);
    for epoch in state["log"].as_array().unwrap() {
        assert_eq!(epoch["ce"], 0.0, "no denoiser loss");
        assert!(epoch["valid"].is_null() && epoch["valid_encoder"]["masked"]["NDCG@10"].is_number(), "{epoch}");
    }
    let eval = seqdiff(&["eval", "--model", r, "--data", d, "--split", "test", "--json"]);
    assert!(eval.status.success(), "{}", stderr(&eval));
    let json: serde_json::Value = serde_json::from_slice(&eval.stdout).unwrap();
    assert_eq!(json["scored_by"], "encoder");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["test_metrics"]["NDCG@10"], json["NDCG@10"], "eval reproduces the trainer's test row");
    let sweep = seqdiff(&["sweep", "--model", r, "--data", d]);
    assert!(!sweep.status.success() && stderr(&sweep).contains("nothing to sweep"), "{}", stderr(&sweep));
}

#[test]
fn bad_input_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = out.to_str().unwrap();
    let missing = seqdiff(&["train", "--data", "/nonexistent/sequences.tsv", "--out", o]);
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("/nonexistent/sequences.tsv") && stderr(&missing).contains("no such file"),
        "{}",
        stderr(&missing)
    );

    let bad = dir.path().join("bad.tsv");
    std::fs::write(&bad, "user\ttrain\tvalid\ttest\n1\t1 2 3\t4\t5\n2\t1 two\t3\t4\n").unwrap();
    let malformed = seqdiff(&["train", "--data", bad.to_str().unwrap(), "--out", o]);
    assert!(!malformed.status.success());
    assert!(stderr(&malformed).contains("bad.tsv:3:"), "{}", stderr(&malformed));
    assert!(!out.join("state.json").exists(), "nothing half-written");

    let empty = dir.path().join("empty.tsv");
    std::fs::write(&empty, "user\ttrain\tvalid\ttest\n").unwrap();
    let e = seqdiff(&["train", "--data", empty.to_str().unwrap(), "--out", o]);
    assert!(!e.status.success() && stderr(&e).contains("empty"), "{}", stderr(&e));

    let good = dir.path().join("good.tsv");
    write_cyclic(&good);
    for fraction in ["0", "1.5", "NaN"] {
        let f = seqdiff(&["train", "--data", good.to_str().unwrap(), "--out", o, "--diffusion-fraction", fraction]);
        assert!(!f.status.success() && stderr(&f).contains("--diffusion-fraction"), "{fraction}: {}", stderr(&f));
    }
    for (option, value) in [
        ("--lr", "0"),
        ("--lr", "inf"),
        ("--dropout", "1"),
        ("--dropout", "-0.1"),
        ("--p-uncond", "2"),
        ("--mse-weight", "-1"),
        ("--temperature", "0"),
        ("--threads", "0"),
        ("--weight-decay", "NaN"),
    ] {
        // `--option=value`, so clap reads a negative number as the value.
        let r = seqdiff(&["train", "--data", good.to_str().unwrap(), "--out", o, &format!("{option}={value}")]);
        assert!(!r.status.success() && stderr(&r).contains(option), "{option} {value}: {}", stderr(&r));
    }
    let cross = seqdiff(&[
        "train",
        "--data",
        good.to_str().unwrap(),
        "--out",
        o,
        "--diffusion-fraction",
        "0.5",
        "--denoiser",
        "cross-attn",
    ]);
    assert!(!cross.status.success() && stderr(&cross).contains("mlp denoiser"), "{}", stderr(&cross));
    assert!(!out.exists(), "nothing written for bad options");

    let unknown = seqdiff(&["train", "--data", "x", "--out", o, "--frobnicate"]);
    assert!(!unknown.status.success() && stderr(&unknown).contains("--frobnicate"));

    let no_model = seqdiff(&["eval", "--model", dir.path().to_str().unwrap(), "--data", bad.to_str().unwrap()]);
    assert!(!no_model.status.success() && stderr(&no_model).contains("manifest.json"), "{}", stderr(&no_model));
}

/// Ctrl-C stops training before its next batch: nothing half-written stays behind, the message says
/// how to continue, and the resumed run ends exactly where an uninterrupted one does.
#[test]
fn ctrl_c_keeps_the_last_whole_epoch_and_the_run_resumes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sequences.tsv");
    write_cyclic(&data);
    let d = data.to_str().unwrap();
    let options = ["--dim", "16", "--batch-size", "8", "--lr-schedule", "constant", "--patience", "0"];
    let run = dir.path().join("stopped");
    let log_path = dir.path().join("stopped.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_seqdiff"))
        .args(["train", "--data", d, "--out", run.to_str().unwrap(), "--epochs", "1000"])
        .args(options)
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    // Interrupt once the first epoch is committed, while later ones run.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    while !run.join("state.json").exists() {
        assert!(std::time::Instant::now() < deadline, "no epoch finished");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SAFETY: kill(2) on our own child's pid with a valid signal number has no memory effects.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) }, 0);
    let status = child.wait().unwrap();
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert_eq!(status.code(), Some(130), "{log}");
    assert!(log.contains("interrupted in epoch") && log.contains("--resume"), "{log}");
    let names: Vec<String> =
        std::fs::read_dir(&run).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.starts_with("new.") && n != "COMMIT" && !n.ends_with(".tmp")), "{names:?}");
    let done = run_state(&run)["epochs_done"].as_u64().unwrap();
    assert!(done >= 1 && done < 1000);

    let epochs = (done + 1).to_string();
    let resumed = seqdiff(
        &[&["train", "--data", d, "--out", run.to_str().unwrap(), "--epochs", &epochs, "--resume"][..], &options[..]]
            .concat(),
    );
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let whole = dir.path().join("whole");
    let uninterrupted = seqdiff(
        &[&["train", "--data", d, "--out", whole.to_str().unwrap(), "--epochs", &epochs][..], &options[..]].concat(),
    );
    assert!(uninterrupted.status.success(), "{}", stderr(&uninterrupted));
    assert_eq!(epoch_history(&run), epoch_history(&whole));
    // The weights files differ in their random parameter ids, so compare what the weights do.
    let test_row = |run: &Path| -> serde_json::Value {
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(run.join("manifest.json")).unwrap()).unwrap();
        manifest["test_metrics"].clone()
    };
    assert!(test_row(&run).is_object());
    assert_eq!(test_row(&run), test_row(&whole));
}

/// A cosine schedule is planned over the run's epochs: extending it on resume is refused, not a jump.
#[test]
fn resume_refuses_to_extend_a_cosine_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sequences.tsv");
    write_cyclic(&data);
    let (d, run) = (data.to_str().unwrap(), dir.path().join("cosine"));
    let r = run.to_str().unwrap();
    let first = seqdiff(&[
        "train",
        "--data",
        d,
        "--out",
        r,
        "--epochs",
        "1",
        "--dim",
        "16",
        "--batch-size",
        "8",
        "--lr-schedule",
        "cosine",
    ]);
    assert!(first.status.success(), "{}", stderr(&first));
    let extended = seqdiff(&[
        "train",
        "--data",
        d,
        "--out",
        r,
        "--epochs",
        "2",
        "--dim",
        "16",
        "--batch-size",
        "8",
        "--lr-schedule",
        "cosine",
        "--resume",
    ]);
    assert!(!extended.status.success());
    assert!(stderr(&extended).contains("cosine schedule was planned over 1 epochs"), "{}", stderr(&extended));
}

/// Each published design trains through the same command (`--design`), keeps its own sampler (all T
/// steps, ancestral; DreamRec guided), writes the grid, and learns the cycles well above chance.
#[test]
fn every_design_trains_with_its_own_sampler() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sequences.tsv");
    write_cyclic(&data);
    for (design, guidance) in [("diffurec", 0.0), ("dreamrec", 2.0), ("diffurecsys", 0.0)] {
        let run = dir.path().join(design);
        let (d, r) = (data.to_str().unwrap(), run.to_str().unwrap());
        let out = seqdiff(&[
            "train",
            "--data",
            d,
            "--out",
            r,
            "--design",
            design,
            "--epochs",
            "6",
            "--dim",
            "16",
            "--diffusion-steps",
            "8",
            "--lr",
            "0.01",
        ]);
        assert!(out.status.success(), "{design}: {}", stderr(&out));
        assert!(run.join("sweep.json").is_file(), "{design}: no grid");
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(run.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(manifest["model"]["design"], design);
        let sampling = &manifest["sampling"];
        assert_eq!((sampling["steps"].as_u64(), sampling["eta"].as_f64()), (Some(8), Some(1.0)), "{design}");
        assert_eq!(sampling["guidance"].as_f64(), Some(guidance), "{design}");
        // 30 items: ten picked at random hold the answer a third of the time.
        let hr10 = manifest["test_metrics"]["HR@10"].as_f64().unwrap();
        assert!(hr10 > 50.0, "{design}: test HR@10 {hr10}");
        // `sweep` adds each cell's diversity to the design's grid and keeps its sampler as the default.
        let out = seqdiff(&["sweep", "--model", r, "--data", d]);
        assert!(out.status.success(), "{design}: {}", stderr(&out));
        let grid: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(run.join("sweep.json")).unwrap()).unwrap();
        let steps: Vec<u64> = grid["steps"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        assert_eq!(steps, vec![0, 1, 2, 5, 8], "{design}: the trainer's grid, up to T");
        let rows = grid["guidance"].as_array().unwrap().len();
        assert_eq!(rows, if guidance == 0.0 { 1 } else { 4 }, "{design}");
        assert_eq!(grid["diversity"].as_array().unwrap().len(), rows, "{design}");
        let after: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(run.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(after["sampling"], manifest["sampling"], "{design}: sweep replaced its sampler");
    }
}

/// `--minutes` ends the epoch running when the budget is spent: that partial epoch is validated,
/// saved and reported with how many targets it trained; a resumed run with the budget spent stops
/// at once and still writes its manifest.
#[test]
fn a_time_budget_ends_training_inside_an_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sequences.tsv");
    write_cyclic(&data);
    let run = dir.path().join("run");
    let (d, r) = (data.to_str().unwrap(), run.to_str().unwrap());
    let args = [
        "train",
        "--data",
        d,
        "--out",
        r,
        "--design",
        "diffurec",
        "--epochs",
        "5",
        "--dim",
        "16",
        "--diffusion-steps",
        "4",
        "--batch-size",
        "2",
        "--minutes",
        "0.000001",
    ];
    let out = seqdiff(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("budget"), "{}", stderr(&out));
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("state.json")).unwrap()).unwrap();
    let log = state["log"].as_array().unwrap();
    assert_eq!(log.len(), 1, "one partial epoch, then the budget stops the run");
    let partial = log[0]["partial_targets"].as_u64().expect("the epoch is marked partial");
    assert!(partial >= 1, "at least one batch trains");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("manifest.json")).unwrap()).unwrap();
    assert!(manifest["test_metrics"]["HR@10"].as_f64().is_some(), "the partial epoch is tested");

    let mut resumed = args.to_vec();
    resumed.push("--resume");
    let out = seqdiff(&resumed);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("budget of 0.000001 minutes is spent"), "{}", stderr(&out));
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("state.json")).unwrap()).unwrap();
    assert_eq!(state["log"].as_array().unwrap().len(), 1, "no epoch after the budget");

    let out = seqdiff(&["train", "--data", d, "--out", r, "--minutes", "0"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--minutes must be a positive number"), "{}", stderr(&out));
}
