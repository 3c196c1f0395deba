//! Weights ↔ bytes (burn's `.bpk` record, the same on every backend) and the bundle manifest
//! shared by checkpoints (`seqdiff train --out DIR`) and page bundles (`public/models/NAME`).

#[cfg(feature = "model")]
use burn::module::Module;
#[cfg(feature = "model")]
use burn::store::ModuleRecord;
#[cfg(feature = "model")]
use burn::tensor::{Bytes, Device};
use serde::{Deserialize, Serialize};

use crate::config::{ModelConfig, SamplingConfig};
use crate::metrics::Evaluation;
#[cfg(feature = "model")]
use crate::model::SeqDiff;

pub const MANIFEST_FORMAT: u32 = 1;
/// A manifest is a few KiB; anything far larger is not one (and is not parsed).
pub const MAX_MANIFEST_BYTES: usize = 1 << 20;

/// `manifest.json` of a checkpoint or bundle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub name: String,
    pub model: ModelConfig,
    /// Sampling settings chosen on validation; unset CLI/page options default to these.
    pub sampling: SamplingConfig,
    pub valid_metrics: Option<Evaluation>,
    pub test_metrics: Option<Evaluation>,
    /// The denoiser was not trained (`seqdiff train --objective encoder`): the encoder output is
    /// the recommendation. Such a run is a reference point, not a bundle for the page.
    #[serde(default)]
    pub encoder_only: bool,
    /// Relative file names inside the folder, with a content hash for cache-busting.
    pub files: BundleFiles,
    /// Free-form provenance: dataset, seed, epochs, command line.
    pub provenance: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct BundleFiles {
    pub weights: String,
    pub weights_hash: String,
    pub catalogue: Option<String>,
    pub catalogue_hash: Option<String>,
    /// Further files (`map.json`, `sweep.json`), each with its content hash.
    pub extras: Vec<String>,
    #[serde(default)]
    pub extras_hashes: std::collections::BTreeMap<String, String>,
}

impl Manifest {
    /// Parses a manifest, refusing other formats and configs the sampler cannot run.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        if text.len() > MAX_MANIFEST_BYTES {
            return Err(format!("manifest is {} bytes, above the {MAX_MANIFEST_BYTES}-byte limit", text.len()));
        }
        let m: Manifest =
            serde_json::from_str(text).map_err(|e| format!("manifest is not valid JSON for this format: {e}"))?;
        if m.format != MANIFEST_FORMAT {
            return Err(format!("manifest format {} is not supported (expected {MANIFEST_FORMAT})", m.format));
        }
        let c = &m.model;
        if c.num_items == 0
            || c.dim == 0
            || c.heads == 0
            || c.dim % c.heads != 0
            || c.dim % 2 != 0
            || c.max_len == 0
            || c.diffusion_steps == 0
            || c.layers == 0
            || c.denoiser_hidden == 0
        {
            return Err("manifest model config is inconsistent (zero sizes or dim not divisible by heads)".into());
        }
        // Capped before anything is allocated from them.
        if c.num_items > crate::data::MAX_ITEM_ID as usize
            || c.dim > 4096
            || c.max_len > 4096
            || c.diffusion_steps > 10_000
            || c.layers > 64
            || c.denoiser_hidden > 65_536
        {
            return Err("manifest model config is implausibly large".into());
        }
        if parameter_bound(c) > MAX_PARAMETERS {
            return Err(format!(
                "manifest model has about {} parameters, above the {MAX_PARAMETERS} this loader accepts",
                parameter_bound(c)
            ));
        }
        if !(c.temperature.is_finite() && c.temperature > 0.0) {
            return Err("manifest temperature must be a positive number".into());
        }
        if !(c.input_scale.is_finite() && (0.0..1.0).contains(&c.dropout)) {
            return Err("manifest input scale or dropout is out of range".into());
        }
        let f = &m.files;
        let names = std::iter::once(&f.weights).chain(&f.catalogue).chain(&f.extras).chain(f.extras_hashes.keys());
        if let Some(bad) = names.into_iter().find(|n| !plain_file_name(n)) {
            let shown: String = bad.chars().take(40).filter(|c| !c.is_control()).collect();
            return Err(format!(
                "manifest names the file {shown:?}: only plain names inside the bundle folder are read"
            ));
        }
        Ok(m)
    }
}

/// A file name inside the bundle's own folder: 1–128 ASCII letters, digits, `.`, `-` and `_`, not
/// starting with a dot (no path, no parent folder, nothing that changes a URL's meaning).
pub fn plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Largest size the loader reads for `name` of bundle `m`: the weights of at most
/// `parameter_bound` f32 values plus 1 MiB of record structure; any other file `MAX_FILE_BYTES`.
/// Checked before a file is read, so a huge file is refused without being allocated.
pub fn file_size_limit(m: &Manifest, name: &str) -> u64 {
    if name == m.files.weights {
        parameter_bound(&m.model) * 4 + (1 << 20)
    } else if name == "manifest.json" {
        MAX_MANIFEST_BYTES as u64
    } else {
        crate::bundle_files::MAX_FILE_BYTES as u64
    }
}

/// Largest model a manifest may describe: 64 M f32 parameters = 256 MiB (the shipped ML-100K model
/// has 0.3 M), so a manifest alone can never make the page allocate more than that.
pub const MAX_PARAMETERS: u64 = 64 << 20;

/// An upper bound on the parameter count of `c`'s model: the item table, the positions, the
/// transformer layers (attention 4d² + feed-forward 8d² + norms), the denoiser and the timestep table.
/// In u64 (wasm32's usize would overflow on the largest configs the size caps let through).
pub fn parameter_bound(c: &ModelConfig) -> u64 {
    let [n, d, h, l, t, layers] =
        [c.num_items, c.dim, c.denoiser_hidden, c.max_len, c.diffusion_steps, c.layers].map(|v| v as u64);
    let layer = 12 * d * d + 16 * d;
    (n + 1) * d + l * d + layers * layer + h * (4 * d + 2) + 4 * d * d + (t + 1) * d + 8 * d
}

/// Serialises a model's weights to `.bpk` bytes.
#[cfg(feature = "model")]
pub fn weights_to_bytes(model: &SeqDiff) -> Result<Vec<u8>, String> {
    let bytes = model.clone().into_record().into_bytes().map_err(|e| format!("cannot serialise weights: {e:?}"))?;
    Ok(bytes.to_vec())
}

#[cfg(feature = "model")]
/// Builds a model for `config` on `device` and loads `.bpk` bytes into it; any mismatch
/// (corrupt file, other shapes) is an error, never a panic.
pub fn model_from_bytes(config: &ModelConfig, bytes: Vec<u8>, device: &Device) -> Result<SeqDiff, String> {
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes))
        .map_err(|e| format!("weights file is corrupt: {e:?}"))?;
    SeqDiff::new(config, device)
        .try_load_record(record)
        .map_err(|e| format!("weights do not fit the manifest's model: {e:?}"))
}

/// FNV-1a 64-bit of the content, hex: a short cache-busting tag for bundle files.
pub fn content_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../../public/models/ml-100k/manifest.json");

    #[test]
    fn the_shipped_manifest_parses_and_damaged_ones_are_errors_not_panics() {
        let m = Manifest::parse(SHIPPED).expect("the shipped manifest");
        assert!(m.model.num_items > 0);
        let with = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut v: serde_json::Value = serde_json::from_str(SHIPPED).unwrap();
            edit(&mut v);
            Manifest::parse(&v.to_string())
        };
        for (what, edit) in [
            ("format", &(|v: &mut serde_json::Value| v["format"] = 2.into()) as &dyn Fn(&mut serde_json::Value)),
            ("heads", &|v| v["model"]["heads"] = 3.into()),
            ("dim", &|v| v["model"]["dim"] = 0.into()),
            ("num_items", &|v| v["model"]["num_items"] = 40_000_000.into()),
            ("layers", &|v| v["model"]["layers"] = 1_000_000.into()),
            ("denoiser_hidden", &|v| v["model"]["denoiser_hidden"] = 1_000_000_000u64.into()),
            ("temperature", &|v| v["model"]["temperature"] = (-1.0).into()),
            ("dropout", &|v| v["model"]["dropout"] = 1.5.into()),
            ("weights", &|v| v["files"]["weights"] = serde_json::Value::Null),
            ("weights path", &|v| v["files"]["weights"] = "../../secret.bpk".into()),
            ("absolute", &|v| v["files"]["weights"] = "/etc/passwd".into()),
            ("hidden", &|v| v["files"]["catalogue"] = ".env".into()),
            ("url", &|v| v["files"]["extras"] = serde_json::json!(["https://evil.example/map.json"])),
            ("query", &|v| v["files"]["extras"] = serde_json::json!(["map.json?x=1"])),
            ("markup", &|v| v["files"]["extras_hashes"] = serde_json::json!({"<b>x</b>": "00"})),
        ] {
            assert!(with(edit).is_err(), "{what}");
        }
        let m = Manifest::parse(SHIPPED).unwrap();
        let weights_size =
            std::fs::metadata(concat!(env!("CARGO_MANIFEST_DIR"), "/../../public/models/ml-100k/weights.bpk"))
                .unwrap()
                .len();
        assert!(weights_size <= file_size_limit(&m, &m.files.weights), "the shipped weights fit their limit");
        assert!(file_size_limit(&m, &m.files.weights) < 64 << 20, "a small model's weights get a small limit");
        for cut in [0, 1, SHIPPED.len() / 2, SHIPPED.len() - 2] {
            assert!(Manifest::parse(&SHIPPED[..cut]).is_err(), "truncated at {cut}");
        }
    }
}
