//! An epoch's files (weights, optimizer, state, manifest) replace the previous epoch's as one step,
//! so a crash or a kill at any moment leaves a run folder that holds one epoch, never a mix:
//! 1. every file is written completely beside its final name, as `new.NAME`;
//! 2. the journal `COMMIT` (the list of names) is written atomically: this is the commit point;
//! 3. each `new.NAME` is renamed onto `NAME`, then the journal is removed.
//!
//! [`recover`] runs before a run folder is read: with a journal it finishes step 3 (the epoch was
//! committed); without one it deletes stray `new.*` files (the epoch was not).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::checkpoint::write_atomic;

const JOURNAL: &str = "COMMIT";
const STAGED: &str = "new.";

/// Files staged for one commit.
pub struct Commit {
    dir: PathBuf,
    names: Vec<String>,
}

impl Commit {
    pub fn new(dir: &Path) -> Commit {
        Commit { dir: dir.to_path_buf(), names: Vec::new() }
    }

    fn staged_path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{STAGED}{name}"))
    }

    /// Writes `bytes` as the next version of `name` (not visible until [`Commit::finish`]).
    pub fn stage(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.staged_path(name);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        self.names.push(name.to_string());
        Ok(())
    }

    /// Stages a file that a library writes itself, given the path to write.
    pub fn stage_with(&mut self, name: &str, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
        write(&self.staged_path(name))?;
        self.names.push(name.to_string());
        Ok(())
    }

    /// Commits every staged file at once.
    pub fn finish(self) -> Result<()> {
        for name in &self.names {
            // The data must be on disk before the journal says it is.
            std::fs::File::open(self.staged_path(name))
                .and_then(|f| f.sync_all())
                .with_context(|| format!("cannot sync {name}"))?;
        }
        write_atomic(&self.dir.join(JOURNAL), serde_json::to_string(&self.names)?.as_bytes())?;
        apply(&self.dir, &self.names)
    }
}

fn apply(dir: &Path, names: &[String]) -> Result<()> {
    for name in names {
        let staged = dir.join(format!("{STAGED}{name}"));
        if staged.exists() {
            std::fs::rename(&staged, dir.join(name))
                .with_context(|| format!("cannot move {} into place", staged.display()))?;
        }
    }
    std::fs::remove_file(dir.join(JOURNAL)).context("cannot remove the commit journal")?;
    Ok(())
}

/// Brings `dir` back to one committed epoch after an interruption; says what it did, if anything.
pub fn recover(dir: &Path) -> Result<Option<String>> {
    let journal = dir.join(JOURNAL);
    if journal.exists() {
        let names: Vec<String> = serde_json::from_str(&std::fs::read_to_string(&journal)?)
            .with_context(|| format!("{}: unreadable commit journal", journal.display()))?;
        apply(dir, &names)?;
        return Ok(Some(format!(
            "{}: finished saving an epoch that was interrupted after its commit point",
            dir.display()
        )));
    }
    let mut discarded = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.starts_with(STAGED) {
            std::fs::remove_file(dir.join(&name))?;
            discarded.push(name);
        }
    }
    Ok((!discarded.is_empty()).then(|| {
        format!("{}: discarded an epoch whose save was interrupted ({})", dir.display(), discarded.join(", "))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(dir: &Path, name: &str) -> String {
        std::fs::read_to_string(dir.join(name)).unwrap()
    }

    /// A folder holding epoch 1, with epoch 2 staged (and, if `journal`, committed but not applied).
    fn interrupted(journal: bool) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let mut first = Commit::new(dir.path());
        first.stage("last.bpk", b"weights 1").unwrap();
        first.stage("state.json", b"epoch 1").unwrap();
        first.finish().unwrap();
        let mut second = Commit::new(dir.path());
        second.stage("last.bpk", b"weights 2").unwrap();
        second.stage("state.json", b"epoch 2").unwrap();
        if journal {
            // The crash came after the journal and after the first rename.
            write_atomic(&dir.path().join(JOURNAL), serde_json::to_string(&second.names).unwrap().as_bytes()).unwrap();
            std::fs::rename(second.staged_path("last.bpk"), dir.path().join("last.bpk")).unwrap();
        }
        dir
    }

    #[test]
    fn a_finished_commit_replaces_every_file_and_leaves_nothing_staged() {
        let dir = tempfile::tempdir().unwrap();
        for epoch in 1..=2 {
            let mut commit = Commit::new(dir.path());
            commit.stage("last.bpk", format!("weights {epoch}").as_bytes()).unwrap();
            commit.stage_with("state.json", |p| Ok(std::fs::write(p, format!("epoch {epoch}"))?)).unwrap();
            commit.finish().unwrap();
        }
        assert_eq!(
            (read(dir.path(), "last.bpk"), read(dir.path(), "state.json")),
            ("weights 2".into(), "epoch 2".into())
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "no staged file and no journal remain");
        assert_eq!(recover(dir.path()).unwrap(), None, "a clean folder needs nothing");
    }

    #[test]
    fn an_interruption_before_the_commit_point_keeps_the_previous_epoch_whole() {
        let dir = interrupted(false);
        assert!(recover(dir.path()).unwrap().unwrap().contains("discarded"));
        assert_eq!(
            (read(dir.path(), "last.bpk"), read(dir.path(), "state.json")),
            ("weights 1".into(), "epoch 1".into())
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "the staged files are gone");
    }

    #[test]
    fn an_interruption_after_the_commit_point_completes_the_new_epoch() {
        let dir = interrupted(true);
        // Mid-rename the folder is a mix: weights of epoch 2, state of epoch 1.
        assert_eq!(
            (read(dir.path(), "last.bpk"), read(dir.path(), "state.json")),
            ("weights 2".into(), "epoch 1".into())
        );
        assert!(recover(dir.path()).unwrap().unwrap().contains("finished saving"));
        assert_eq!(
            (read(dir.path(), "last.bpk"), read(dir.path(), "state.json")),
            ("weights 2".into(), "epoch 2".into())
        );
        assert!(!dir.path().join(JOURNAL).exists());
    }
}
