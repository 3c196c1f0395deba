//! Which of the files a user opened ("Open a model…": a folder picked, or files or a folder dropped)
//! form the bundle: the files beside the shallowest `manifest.json`. Paths are as the browser gives
//! them (`webkitRelativePath`, or a bare name for dropped files).

/// The bundle among the opened files.
#[derive(Clone, Debug, PartialEq)]
pub struct LocalBundle {
    /// The bundle folder's name, for the page and its link (`dataset=local:NAME`), at most 64 chars.
    pub folder: String,
    /// (file name inside the folder, index into the opened paths) of every file beside the manifest.
    pub files: Vec<(String, usize)>,
}

/// The folder name shown for files dropped without one.
pub const LOOSE_FILES: &str = "opened files";

pub fn select_bundle(paths: &[&str]) -> Result<LocalBundle, String> {
    let split = |p: &str| -> (String, String) {
        let p = p.trim_start_matches('/');
        match p.rfind('/') {
            Some(i) => (p[..i].to_string(), p[i + 1..].to_string()),
            None => (String::new(), p.to_string()),
        }
    };
    let manifest_dir = paths
        .iter()
        .map(|p| split(p))
        .filter(|(_, name)| name == "manifest.json")
        .map(|(dir, _)| dir)
        .min_by_key(|dir| (dir.matches('/').count() + usize::from(!dir.is_empty()), dir.clone()))
        .ok_or_else(|| {
            format!(
                "none of the {} opened files is a manifest.json: open the folder that `seqdiff export` wrote",
                paths.len()
            )
        })?;
    let files = paths
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let (dir, name) = split(p);
            (dir == manifest_dir).then_some((name, i))
        })
        .collect();
    let folder = match manifest_dir.rsplit('/').next() {
        Some(last) if !last.is_empty() => last.chars().filter(|c| !c.is_control()).take(64).collect(),
        _ => LOOSE_FILES.to_string(),
    };
    Ok(LocalBundle { folder, files })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_files_beside_the_shallowest_manifest_form_the_bundle() {
        let picked = ["runs/manifest.json", "runs/best.bpk", "runs/export/manifest.json", "runs/export/map.json"];
        let b = select_bundle(&picked).unwrap();
        assert_eq!(b.folder, "runs");
        assert_eq!(b.files, vec![("manifest.json".into(), 0), ("best.bpk".into(), 1)]);
        let picked = ["top/readme.txt", "top/toys/manifest.json", "top/toys/weights.bpk", "top/a/b/manifest.json"];
        let b = select_bundle(&picked).unwrap();
        assert_eq!(b.folder, "toys");
        assert_eq!(b.files, vec![("manifest.json".into(), 1), ("weights.bpk".into(), 2)]);
        // Dropped files come without a folder.
        let b = select_bundle(&["weights.bpk", "manifest.json"]).unwrap();
        assert_eq!(b.folder, LOOSE_FILES);
        assert_eq!(b.files.len(), 2);
        let missing = select_bundle(&["a/weights.bpk", "a/map.json"]).unwrap_err();
        assert!(missing.contains("none of the 2 opened files is a manifest.json"), "{missing}");
        assert!(select_bundle(&[]).is_err());
    }
}
