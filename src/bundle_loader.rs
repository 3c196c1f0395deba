//! Fetches a model bundle (manifest, weights, catalogue) with content-hash cache-busting.

use gloo_net::http::Request;
use seqdiff_model::bundle::Manifest;
use seqdiff_model::data::ItemInfo;

pub struct LoadedBundle {
    pub manifest: Manifest,
    pub weights: Vec<u8>,
    pub items: Vec<ItemInfo>,
    pub train_counts: Vec<u32>,
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

#[derive(serde::Deserialize)]
struct CatalogueFile {
    items: Vec<ItemInfo>,
    train_counts: Option<Vec<u32>>,
}

/// Loads `base/manifest.json`, then the files it names. `phase` is told what is downloading.
pub async fn load_bundle(base: &str, phase: impl Fn(&str)) -> Result<LoadedBundle, String> {
    phase("downloading manifest");
    let manifest_bytes = fetch_bytes(&format!("{base}/manifest.json")).await?;
    let manifest = Manifest::parse(&String::from_utf8_lossy(&manifest_bytes)).map_err(|e| format!("{base}/manifest.json: {e}"))?;
    let files = &manifest.files;
    let n = manifest.model.num_items;
    phase("downloading weights");
    let weights = fetch_bytes(&format!("{base}/{}?v={}", files.weights, files.weights_hash)).await?;
    let (items, train_counts) = match &files.catalogue {
        Some(name) => {
            phase("downloading catalogue");
            let bytes = fetch_bytes(&format!("{base}/{name}?v={}", files.catalogue_hash.clone().unwrap_or_default())).await?;
            let cat: CatalogueFile = serde_json::from_slice(&bytes).map_err(|e| format!("{base}/{name}: {e}"))?;
            (cat.items, cat.train_counts.unwrap_or_default())
        }
        None => (Vec::new(), Vec::new()),
    };
    // A catalogue that does not match the model is ignored rather than trusted half-way.
    let mut warnings = Vec::new();
    let items = if items.len() == n + 1 {
        items
    } else {
        warnings.push(format!("The catalogue lists {} items but the model has {n}; titles are not shown.", items.len().saturating_sub(1)));
        Vec::new()
    };
    let train_counts = if train_counts.len() == n + 1 { train_counts } else { vec![0; n + 1] };
    Ok(LoadedBundle { manifest, weights, items, train_counts, warnings })
}
