//! Shared by the CLI tests: the `seqdiff` binary and a tiny synthetic data set.

use std::path::Path;
use std::process::{Command, Output};

pub fn seqdiff(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seqdiff")).args(args).output().expect("runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// 80 users walking a cycle over 30 items. (Not every test file that shares this module uses it.)
#[allow(dead_code)]
pub fn write_cyclic(path: &Path) {
    let mut text = String::from("user\ttrain\tvalid\ttest\n");
    for u in 0..80u32 {
        let len = 6 + (u % 9);
        let seq: Vec<u32> = (0..len).map(|k| (u * 5 + k) % 30 + 1).collect();
        let train: Vec<String> = seq[..seq.len() - 2].iter().map(u32::to_string).collect();
        text.push_str(&format!("{u}\t{}\t{}\t{}\n", train.join(" "), seq[seq.len() - 2], seq[seq.len() - 1]));
    }
    std::fs::write(path, text).unwrap();
}
