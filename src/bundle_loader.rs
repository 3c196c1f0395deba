//! Loads a model bundle (manifest, then weights, catalogue, map and sweep together) from a folder
//! on this site or from files the user opened, with the same checks on both: plain file names,
//! size limits before anything is read, content hashes, and parsers that return errors.

use std::collections::HashMap;
use std::rc::Rc;

use gloo_net::http::Request;
use seqdiff_model::bundle::{Manifest, content_hash, file_size_limit};
use seqdiff_model::bundle_files::{SweepResult, parse_catalogue, parse_map, parse_sweep};
use seqdiff_model::data::ItemInfo;
use seqdiff_model::map::ItemMap;
use wasm_bindgen_futures::JsFuture;

pub struct LoadedBundle {
    pub manifest: Manifest,
    pub weights: Vec<u8>,
    pub items: Vec<ItemInfo>,
    pub train_counts: Vec<u32>,
    pub map: Option<ItemMap>,
    pub sweep: Option<SweepResult>,
    /// Problems that were worked around (shown as notices).
    pub warnings: Vec<String>,
}

/// Why a bundle did not load.
pub enum LoadError {
    /// There is no bundle there (its manifest is missing).
    Missing(String),
    /// There is one, but it cannot be used.
    Unusable(String),
}

impl LoadError {
    /// A file the manifest names but that is not there: the bundle exists and is broken.
    fn named_file(self) -> LoadError {
        LoadError::Unusable(self.message().to_string())
    }

    pub fn message(&self) -> &str {
        match self {
            LoadError::Missing(m) | LoadError::Unusable(m) => m,
        }
    }
}

/// Where a bundle's files come from.
#[derive(Clone)]
pub enum BundleSource {
    /// A folder on this site (`models/NAME`), fetched with content-hash cache-busting.
    Hosted(String),
    /// Files the user opened, by name; read in this page, never uploaded.
    Local { folder: String, files: Rc<HashMap<String, web_sys::File>> },
}

impl BundleSource {
    /// How a file is named in messages.
    fn describe(&self, name: &str) -> String {
        match self {
            BundleSource::Hosted(base) => format!("{base}/{name}"),
            BundleSource::Local { folder, .. } => format!("{folder}/{name} (on this computer)"),
        }
    }

    /// The bytes of `name`, refused before reading when larger than `limit`.
    async fn read(&self, name: &str, hash: Option<&str>, limit: u64) -> Result<Vec<u8>, LoadError> {
        let what = self.describe(name);
        let too_big = |size: u64| LoadError::Unusable(format!("{what} is {size} bytes, above the {limit}-byte limit"));
        match self {
            BundleSource::Hosted(base) => {
                // The content hash in the URL busts caches when a file changes.
                let url = match hash {
                    Some(h) => format!("{base}/{name}?v={h}"),
                    None => format!("{base}/{name}"),
                };
                let response =
                    Request::get(&url).send().await.map_err(|e| LoadError::Unusable(format!("{what}: {e}")))?;
                if response.status() == 404 {
                    return Err(LoadError::Missing(format!("{what}: HTTP 404 (no such file)")));
                }
                if !response.ok() {
                    return Err(LoadError::Unusable(format!("{what}: HTTP {}", response.status())));
                }
                let declared = response.headers().get("content-length").and_then(|v| v.parse::<u64>().ok());
                if let Some(size) = declared.filter(|&s| s > limit) {
                    return Err(too_big(size));
                }
                let bytes = response.binary().await.map_err(|e| LoadError::Unusable(format!("{what}: {e}")))?;
                if bytes.len() as u64 > limit {
                    return Err(too_big(bytes.len() as u64));
                }
                Ok(bytes)
            }
            BundleSource::Local { files, .. } => {
                let file = files
                    .get(name)
                    .ok_or_else(|| LoadError::Missing(format!("{what}: the opened folder has no such file")))?;
                let size = file.size() as u64;
                if size > limit {
                    return Err(too_big(size));
                }
                let buffer = JsFuture::from(file.array_buffer())
                    .await
                    .map_err(|e| LoadError::Unusable(format!("{what} could not be read: {e:?}")))?;
                Ok(js_sys::Uint8Array::new(&buffer).to_vec())
            }
        }
    }
}

/// `bytes` if their content hash is the manifest's (or the manifest gives none): a damaged file, or
/// one from another export than the manifest, is refused before use.
fn matching(what: &str, bytes: Vec<u8>, expected: Option<&str>) -> Result<Vec<u8>, String> {
    match expected {
        Some(hash) if hash != content_hash(&bytes) => Err(format!(
            "{what}: the file does not match the manifest (content hash {}, expected {hash}): a damaged download or a mismatched export",
            content_hash(&bytes)
        )),
        _ => Ok(bytes),
    }
}

/// Loads the manifest, then every file it names at once: one round trip after the manifest, not one
/// per file. `phase` is told what is being read.
pub async fn load_bundle(source: &BundleSource, phase: impl Fn(&str)) -> Result<LoadedBundle, LoadError> {
    phase("reading manifest");
    let manifest_bytes = source.read("manifest.json", None, seqdiff_model::bundle::MAX_MANIFEST_BYTES as u64).await?;
    let manifest = Manifest::parse(&String::from_utf8_lossy(&manifest_bytes))
        .map_err(|e| LoadError::Unusable(format!("{}: {e}", source.describe("manifest.json"))))?;
    let files = &manifest.files;
    let n = manifest.model.num_items;
    let unusable = |e: String| LoadError::Unusable(e);
    phase("reading weights, catalogue, item map and validation grid");
    let weights = async {
        let name = &files.weights;
        let bytes = source
            .read(name, Some(&files.weights_hash), file_size_limit(&manifest, name))
            .await
            .map_err(LoadError::named_file)?;
        matching(&source.describe(name), bytes, Some(&files.weights_hash)).map_err(unusable)
    };
    let catalogue = async {
        let Some(name) = &files.catalogue else {
            return Ok(None);
        };
        let hash = files.catalogue_hash.as_deref();
        let bytes = source.read(name, hash, file_size_limit(&manifest, name)).await.map_err(LoadError::named_file)?;
        let bytes = matching(&source.describe(name), bytes, hash).map_err(unusable)?;
        parse_catalogue(&bytes, n).map(Some).map_err(|e| unusable(format!("{}: {e}", source.describe(name))))
    };
    // The map and the sweep are optional: without them the page still recommends. One whose
    // content is not the manifest's is treated as missing.
    let optional = |name: &'static str| {
        let listed = files.extras.iter().any(|e| e == name);
        let expected = files.extras_hashes.get(name).map(String::as_str);
        let limit = file_size_limit(&manifest, name);
        async move {
            if !listed {
                return None;
            }
            Some(match source.read(name, expected, limit).await {
                Ok(bytes) => matching(name, bytes, expected),
                Err(e) => Err(e.message().to_string()),
            })
        }
    };
    let (weights, catalogue, map_bytes, sweep_bytes) =
        futures::join!(weights, catalogue, optional("map.json"), optional("sweep.json"));
    let weights = weights?;
    let mut warnings = Vec::new();
    let (items, train_counts) = match catalogue? {
        Some(cat) => {
            warnings.extend(cat.warning);
            (cat.items, cat.train_counts)
        }
        None => (Vec::new(), vec![0; n + 1]),
    };
    let map = map_bytes.and_then(|bytes| match bytes.and_then(|b| parse_map(&b, n, manifest.model.dim)) {
        Ok(m) => Some(m),
        Err(e) => {
            warnings.push(format!("The item map is unusable ({e}); the map is hidden."));
            None
        }
    });
    let sweep = sweep_bytes.and_then(|bytes| match bytes.and_then(|b| parse_sweep(&b)) {
        Ok(g) => Some(g),
        Err(e) => {
            warnings.push(format!("The validation grid is unusable ({e}); it is hidden."));
            None
        }
    });
    Ok(LoadedBundle { manifest, weights, items, train_counts, map, sweep, warnings })
}

/// Only the validation grid of the bundle at `source` (its manifest, then `sweep.json`, hash-checked):
/// what the trade-off charts draw of another model, without its weights, catalogue or map.
/// `Ok(None)`: the bundle lists no grid; `Missing`: there is no bundle.
pub async fn load_grid(source: &BundleSource) -> Result<Option<SweepResult>, LoadError> {
    let manifest_bytes = source.read("manifest.json", None, seqdiff_model::bundle::MAX_MANIFEST_BYTES as u64).await?;
    let manifest = Manifest::parse(&String::from_utf8_lossy(&manifest_bytes))
        .map_err(|e| LoadError::Unusable(format!("{}: {e}", source.describe("manifest.json"))))?;
    let name = "sweep.json";
    if !manifest.files.extras.iter().any(|e| e == name) {
        return Ok(None);
    }
    let expected = manifest.files.extras_hashes.get(name).map(String::as_str);
    let bytes = source.read(name, expected, file_size_limit(&manifest, name)).await.map_err(LoadError::named_file)?;
    let bytes = matching(&source.describe(name), bytes, expected).map_err(LoadError::Unusable)?;
    parse_sweep(&bytes).map(Some).map_err(|e| LoadError::Unusable(format!("{}: {e}", source.describe(name))))
}
