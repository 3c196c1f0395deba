//! Fetches a model bundle (manifest, then weights, catalogue, map and sweep together) with
//! content-hash cache-busting.

use gloo_net::http::Request;
use seqdiff_model::bundle::{Manifest, content_hash};
use seqdiff_model::bundle_files::{SweepResult, parse_catalogue, parse_map, parse_sweep};
use seqdiff_model::data::ItemInfo;
use seqdiff_model::map::ItemMap;

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

async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let response = Request::get(url).send().await.map_err(|e| format!("{url}: {e}"))?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    response.binary().await.map_err(|e| format!("{url}: {e}"))
}

/// `bytes` if their content hash is the manifest's (or the manifest gives none): a damaged download,
/// or a file from another deploy than the manifest, is refused before use.
fn matching(what: &str, bytes: Vec<u8>, expected: Option<&str>) -> Result<Vec<u8>, String> {
    match expected {
        Some(hash) if hash != content_hash(&bytes) => Err(format!(
            "{what}: the downloaded file does not match the manifest (content hash {}, expected {hash}): a damaged download or a mismatched deploy",
            content_hash(&bytes)
        )),
        _ => Ok(bytes),
    }
}

/// Loads `base/manifest.json`, then every file it names at once: one round trip after the manifest,
/// not one per file. `phase` is told what is downloading.
pub async fn load_bundle(base: &str, phase: impl Fn(&str)) -> Result<LoadedBundle, String> {
    phase("downloading manifest");
    let manifest_bytes = fetch_bytes(&format!("{base}/manifest.json")).await?;
    let manifest =
        Manifest::parse(&String::from_utf8_lossy(&manifest_bytes)).map_err(|e| format!("{base}/manifest.json: {e}"))?;
    let files = &manifest.files;
    let n = manifest.model.num_items;
    phase("downloading weights, catalogue, item map and validation grid");
    let weights = async {
        fetch_bytes(&format!("{base}/{}?v={}", files.weights, files.weights_hash))
            .await
            .and_then(|b| matching(&format!("{base}/{}", files.weights), b, Some(&files.weights_hash)))
    };
    let catalogue = async {
        let Some(name) = &files.catalogue else {
            return Ok(None);
        };
        let bytes = fetch_bytes(&format!("{base}/{name}?v={}", files.catalogue_hash.clone().unwrap_or_default()))
            .await
            .and_then(|b| matching(&format!("{base}/{name}"), b, files.catalogue_hash.as_deref()))?;
        parse_catalogue(&bytes, n).map(Some).map_err(|e| format!("{base}/{name}: {e}"))
    };
    // The map and the sweep are optional: without them the page still recommends. One whose
    // content is not the manifest's is treated as missing.
    let optional = |name: &'static str| {
        let listed = files.extras.iter().any(|e| e == name);
        let url = format!("{base}/{name}?v={}", files.extras_hashes.get(name).cloned().unwrap_or_default());
        let expected = files.extras_hashes.get(name).map(String::as_str);
        async move {
            if !listed {
                return None;
            }
            Some(fetch_bytes(&url).await.and_then(|b| matching(name, b, expected)))
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
