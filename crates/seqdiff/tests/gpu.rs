//! `--device wgpu` against `--device cpu` on a tiny synthetic data set: a run continued on a native
//! GPU through wgpu agrees with the same run continued on the CPU, and evaluation agrees too. Built
//! with `--features wgpu`; `cargo xtask test` runs it on Mesa's lavapipe (a software Vulkan driver),
//! so it needs no GPU.
#![cfg(feature = "wgpu")]

mod common;

use std::path::Path;
use std::process::Output;

use common::{seqdiff, stderr, write_cyclic};

fn check(out: &Output) {
    assert!(out.status.success(), "{}", stderr(out));
}

/// Per epoch: (training loss, validation NDCG@10 of the encoder alone).
fn epochs(run: &Path) -> Vec<(f64, f64)> {
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("state.json")).unwrap()).unwrap();
    state["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["loss"].as_f64().unwrap(), e["valid_encoder"]["NDCG@10"].as_f64().unwrap()))
        .collect()
}

fn eval_json(model: &Path, data: &str, device: &str) -> serde_json::Value {
    let out = seqdiff(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--data",
        data,
        "--split",
        "test",
        "--steps",
        "5",
        "--guidance",
        "1",
        "--json",
        "--device",
        device,
    ]);
    check(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn wgpu_training_and_evaluation_agree_with_the_cpu() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sequences.tsv");
    write_cyclic(&data);
    let d = data.to_str().unwrap();
    let train = |run: &Path, epochs: &str, device: &str, resume: bool| {
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
            "--device",
            device,
        ];
        if resume {
            args.push("--resume");
        }
        check(&seqdiff(&args));
    };
    // A run from scratch on the GPU trains (its weights start from the GPU's own generator).
    let fresh = dir.path().join("fresh-wgpu");
    train(&fresh, "2", "wgpu", false);
    let fresh_epochs = epochs(&fresh);
    assert!(
        fresh_epochs.iter().all(|(l, n)| l.is_finite() && n.is_finite()) && fresh_epochs[1].0 < fresh_epochs[0].0,
        "{fresh_epochs:?}"
    );
    // One CPU epoch, then the same run continued on each device: same weights, optimizer state,
    // batches, masks and noise, so the two differ only in float rounding.
    let (cpu, gpu) = (dir.path().join("cpu"), dir.path().join("wgpu"));
    train(&cpu, "1", "cpu", false);
    copy_dir(&cpu, &gpu);
    train(&cpu, "3", "cpu", true);
    train(&gpu, "3", "wgpu", true);
    let (cpu_epochs, gpu_epochs) = (epochs(&cpu), epochs(&gpu));
    eprintln!(
        "per epoch (loss, valid NDCG@10): cpu {cpu_epochs:?}\n                                 wgpu {gpu_epochs:?}"
    );
    assert_eq!(cpu_epochs.len(), 3);
    assert_eq!(cpu_epochs[0], gpu_epochs[0], "the shared first epoch");
    for ((cl, cn), (gl, gn)) in cpu_epochs.iter().zip(&gpu_epochs).skip(1) {
        assert!((cl - gl).abs() <= 1e-4 * cl.abs(), "loss {cl} (cpu) vs {gl} (wgpu)");
        assert!((cn - gn).abs() <= 1.0, "valid NDCG@10 {cn} (cpu) vs {gn} (wgpu)");
    }
    // The GPU-trained weights score the same on both devices.
    let (on_cpu, on_gpu) = (eval_json(&gpu, d, "cpu"), eval_json(&gpu, d, "wgpu"));
    for key in ["HR@10", "NDCG@10"] {
        let (c, g) = (on_cpu[key].as_f64().unwrap(), on_gpu[key].as_f64().unwrap());
        eprintln!("test {key}: cpu {c}, wgpu {g}");
        assert!((c - g).abs() <= 0.5, "{key}: {c} (cpu) vs {g} (wgpu)");
    }
}
