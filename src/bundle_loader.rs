//! Fetches a model bundle (manifest, weights, catalogue) with content-hash cache-busting.

use gloo_net::http::Request;
use seqdiff_model::bundle::Manifest;
use seqdiff_model::data::ItemInfo;

pub struct LoadedBundle {
    pub manifest: Manifest,
    pub weights: Vec<u8>,
    pub items: Vec<ItemInfo>,
    pub train_counts: Vec<u32>,
}

impl LoadedBundle {
    pub fn title(&self, item: u32) -> String {
        self.items.get(item as usize).map_or_else(|| format!("item {item}"), |i| i.title.clone())
    }

    pub fn detail(&self, item: u32) -> String {
        self.items.get(item as usize).map_or_else(String::new, |i| {
            let year = i.year.map(|y| y.to_string()).unwrap_or_default();
            format!("{year} {}", i.genres.join(", ")).trim().to_string()
        })
    }
}

async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let response = Request::get(url).send().await.map_err(|e| format!("{url}: {e}"))?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    response.binary().await.map_err(|e| format!("{url}: {e}"))
}

#[derive(serde::Deserialize)]
struct Catalogue {
    items: Vec<ItemInfo>,
    train_counts: Option<Vec<u32>>,
}

pub async fn load_bundle(base: &str) -> Result<LoadedBundle, String> {
    let manifest_bytes = fetch_bytes(&format!("{base}/manifest.json")).await?;
    let manifest = Manifest::parse(&String::from_utf8_lossy(&manifest_bytes)).map_err(|e| format!("{base}/manifest.json: {e}"))?;
    let files = &manifest.files;
    let weights = fetch_bytes(&format!("{base}/{}?v={}", files.weights, files.weights_hash)).await?;
    let n = manifest.model.num_items;
    let (items, train_counts) = match (&files.catalogue, &files.catalogue_hash) {
        (Some(name), hash) => {
            let bytes = fetch_bytes(&format!("{base}/{name}?v={}", hash.clone().unwrap_or_default())).await?;
            let cat: Catalogue = serde_json::from_slice(&bytes).map_err(|e| format!("{base}/{name}: {e}"))?;
            (cat.items, cat.train_counts.unwrap_or_default())
        }
        (None, _) => (Vec::new(), Vec::new()),
    };
    let train_counts = if train_counts.len() == n + 1 { train_counts } else { vec![0; n + 1] };
    Ok(LoadedBundle { manifest, weights, items, train_counts })
}
