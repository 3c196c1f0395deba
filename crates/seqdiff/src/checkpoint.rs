//! Run folders and bundles on disk: atomic writes, loading a manifest + weights, devices.

use std::path::Path;

use anyhow::{Context, Result, bail};
use seqdiff_model::bundle::{Manifest, model_from_bytes};
use seqdiff_model::data::Dataset;
use seqdiff_model::{Device, SeqDiff};

use crate::DeviceChoice;

/// Writes via a temporary file and a rename, so an interrupted write never leaves half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("{}.tmp", path.extension().and_then(|e| e.to_str()).unwrap_or("")));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot move {} into place", path.display()))?;
    Ok(())
}

pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomic(path, serde_json::to_string_pretty(value)?.as_bytes())
}

/// Inference device (no autodiff).
pub fn device(choice: DeviceChoice) -> Result<Device> {
    match choice {
        DeviceChoice::Cpu => Ok(Device::flex()),
        #[cfg(feature = "wgpu")]
        DeviceChoice::Wgpu => Ok(Device::wgpu(Default::default())),
        #[cfg(not(feature = "wgpu"))]
        DeviceChoice::Wgpu => bail!(
            "this seqdiff was built without GPU support: rebuild with `cargo build -p seqdiff --release --features wgpu`"
        ),
    }
}

pub fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("{}: cannot read (is this a run or bundle folder?)", path.display()))?;
    Manifest::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Loads the manifest and the weights it names.
pub fn load_model(dir: &Path, device: &Device) -> Result<(Manifest, SeqDiff)> {
    let manifest = read_manifest(dir)?;
    let weights = dir.join(&manifest.files.weights);
    let bytes = std::fs::read(&weights).with_context(|| format!("{}: cannot read weights", weights.display()))?;
    let model =
        model_from_bytes(&manifest.model, bytes, device).map_err(|e| anyhow::anyhow!("{}: {e}", weights.display()))?;
    Ok((manifest, model))
}

/// The dataset must use the same item ids as the model.
pub fn load_matching_dataset(data: &Path, manifest: &Manifest) -> Result<Dataset> {
    let dataset = Dataset::load(data)?;
    if dataset.num_items > manifest.model.num_items {
        bail!(
            "{}: has items up to {} but the model knows {} items: wrong dataset for this model?",
            data.display(),
            dataset.num_items,
            manifest.model.num_items
        );
    }
    Ok(dataset)
}
