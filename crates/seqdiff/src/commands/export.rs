//! `seqdiff export`: the bundle the page loads: `weights.bpk`, `catalogue.json`, `map.json` (t-SNE
//! and PCA of the items), `sweep.json` (when the run has one) and `manifest.json` naming each file
//! with a content hash for cache-busting.

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use seqdiff_model::bundle::{BundleFiles, content_hash, weights_to_bytes};
use seqdiff_model::data::{Dataset, ItemInfo};
use seqdiff_model::map::ItemMap;

use crate::ExportArgs;
use crate::checkpoint::{device, load_model, write_atomic, write_json};
use crate::embedding_map;

pub fn run(args: ExportArgs) -> Result<()> {
    let dev = device(crate::DeviceChoice::Cpu)?;
    let (mut manifest, model) = load_model(&args.model, &dev)?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let weights = weights_to_bytes(&model).map_err(anyhow::Error::msg)?;

    let n = manifest.model.num_items;
    let dataset = args.data.as_deref().map(Dataset::load).transpose()?;
    let catalogue: Vec<ItemInfo> = match dataset.as_ref().and_then(|d| d.catalogue.clone()) {
        Some(c) if c.len() == n + 1 => c,
        _ => (0..=n).map(|i| ItemInfo { title: format!("item {i}"), year: None, genres: vec![] }).collect(),
    };
    let popularity = dataset.as_ref().map(Dataset::item_counts);
    let catalogue_json = serde_json::to_vec(&serde_json::json!({ "items": catalogue, "train_counts": popularity }))?;

    let started = std::time::Instant::now();
    let items = model.item_vectors();
    let bar = ProgressBar::new(args.tsne_iterations as u64).with_style(
        ProgressStyle::with_template("item map: t-SNE {bar:30} {pos}/{len} iterations, {elapsed} (eta {eta})")
            .expect("a valid template"),
    );
    let map = embedding_map::item_map(&items, args.perplexity, args.tsne_iterations, |i| bar.set_position(i as u64));
    bar.finish_and_clear();
    let unit: Vec<Vec<f32>> = items.iter().skip(1).map(|v| seqdiff_model::map::l2_normalised(v)).collect();
    eprintln!(
        "item map: t-SNE + PCA of {n} items in {:.1} s, effective rank {:.1} of {}, 10-NN preservation {:.3} \
         (t-SNE) / {:.3} (PCA)",
        started.elapsed().as_secs_f32(),
        map.effective_rank,
        manifest.model.dim,
        embedding_map::neighbour_preservation(&unit, &map.tsne[1..], 10, 1000),
        embedding_map::neighbour_preservation(&unit, &map.pca[1..], 10, 1000),
    );
    if let Some(path) = &args.compare_map {
        let other: ItemMap = serde_json::from_slice(&std::fs::read(path)?)
            .with_context(|| format!("{} is not a map.json", path.display()))?;
        other.validate(n, manifest.model.dim).map_err(anyhow::Error::msg)?;
        eprintln!(
            "{}: 10-NN preservation {:.3} (t-SNE)",
            path.display(),
            embedding_map::neighbour_preservation(&unit, &other.tsne[1..], 10, 1000)
        );
    }
    let map_json = serde_json::to_vec(&rounded(&map))?;
    write_atomic(&args.out.join("map.json"), &map_json)?;

    let mut extras = vec!["map.json".to_string()];
    let mut extras_hashes = std::collections::BTreeMap::from([("map.json".to_string(), content_hash(&map_json))]);
    let sweep = args.model.join("sweep.json");
    if sweep.is_file() {
        std::fs::copy(&sweep, args.out.join("sweep.json"))?;
        extras.push("sweep.json".to_string());
        extras_hashes.insert("sweep.json".to_string(), content_hash(&std::fs::read(&sweep)?));
    }
    write_atomic(&args.out.join("weights.bpk"), &weights)?;
    write_atomic(&args.out.join("catalogue.json"), &catalogue_json)?;
    manifest.name = args
        .name
        .clone()
        .unwrap_or_else(|| args.out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    manifest.files = BundleFiles {
        weights: "weights.bpk".into(),
        weights_hash: content_hash(&weights),
        catalogue: Some("catalogue.json".into()),
        catalogue_hash: Some(content_hash(&catalogue_json)),
        extras,
        extras_hashes,
    };
    write_json(&args.out.join("manifest.json"), &manifest)?;
    eprintln!("wrote bundle {} ({} KiB of weights, {} items)", args.out.display(), weights.len() / 1024, n);
    Ok(())
}

/// Coordinates to 4 decimals: the map stays small and diff-friendly.
fn rounded(map: &ItemMap) -> ItemMap {
    let r = |v: f32| (v * 1e4).round() / 1e4;
    let xy = |list: &[[f32; 2]]| list.iter().map(|p| [r(p[0]), r(p[1])]).collect();
    ItemMap { tsne: xy(&map.tsne), pca: xy(&map.pca), ..map.clone() }
}
