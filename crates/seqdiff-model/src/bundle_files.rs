//! Parsers for a bundle's data files (catalogue, item map, validation grid), kept apart from the
//! page's downloading so they are tested — and fuzzed — natively. Every damaged input is an error
//! value, never a panic, and no input larger than [`MAX_FILE_BYTES`] is parsed at all.

use serde::{Deserialize, Serialize};

use crate::data::ItemInfo;
use crate::map::ItemMap;
use crate::config::SamplingConfig;
use crate::diversity::Diversity;
use crate::metrics::Evaluation;
use crate::plain_sampling::ListMeasures;

/// Largest data file the page parses (the shipped ML-100K files are < 1 MiB; an ML-1M bundle's
/// map is ≈ 0.3 MiB). JSON parsing allocates in proportion to its input, so this caps memory.
pub const MAX_FILE_BYTES: usize = 64 << 20;

/// `sweep.json`, written by the trainer (its selection grid) and by `seqdiff sweep` (which adds the
/// diversity measures), read by the page: metrics over guidance × steps, ensembles at the best cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepResult {
    /// The split the grid was measured on (`valid`, or `test` when asked for).
    pub split: String,
    pub guidance: Vec<f64>,
    pub steps: Vec<usize>,
    /// metrics[i][j] for guidance[i], steps[j] (ensemble 1, η 0).
    pub metrics: Vec<Vec<Evaluation>>,
    /// (K, metrics) at the best (guidance, steps).
    #[serde(default)]
    pub ensemble: Vec<(usize, Evaluation)>,
    /// The setting with the highest unmasked NDCG@10 (steps 0 = the encoder alone).
    pub best: SamplingConfig,
    /// diversity[i][j]: coverage, novelty and seed agreement of the top-10 lists at
    /// guidance[i], steps[j] (`seqdiff sweep` only; the trainer's selection grid leaves it empty).
    #[serde(default)]
    pub diversity: Vec<Vec<Diversity>>,
    /// The same encoder made diverse without diffusion (softmax sampling, MMR, a popularity
    /// penalty), each a curve over its one parameter, for the page's trade-off charts
    /// (`seqdiff sweep` only).
    #[serde(default)]
    pub baselines: Vec<BaselineCurve>,
}

/// One plain way of diversifying the encoder's list, measured over its parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BaselineCurve {
    /// What it is ("popularity penalty").
    pub name: String,
    /// Its parameter's symbol ("γ").
    pub parameter: String,
    /// (parameter value, accuracy and diversity of its top-10 lists), in parameter order.
    pub points: Vec<(f64, ListMeasures)>,
}

impl SweepResult {
    /// The metrics of the best cell (the higher unmasked NDCG@10 of the best diffusion setting and
    /// the encoder alone).
    pub fn best_metrics(&self) -> Option<Evaluation> {
        let (diffusion, encoder) = self.diffusion_and_encoder();
        [diffusion, encoder].into_iter().flatten().max_by(|a, b| a.unmasked.ndcg10.total_cmp(&b.unmasked.ndcg10))
    }

    /// The best diffusion setting's metrics (steps ≥ 1, ensembles included) and the encoder's
    /// (steps 0), where the grid has them: what "the diffusion beats its encoder" is read from.
    pub fn diffusion_and_encoder(&self) -> (Option<Evaluation>, Option<Evaluation>) {
        let by_ndcg = |a: &&Evaluation, b: &&Evaluation| a.unmasked.ndcg10.total_cmp(&b.unmasked.ndcg10);
        let cells = || self.metrics.iter().flat_map(|row| row.iter().zip(&self.steps));
        let diffusion = cells().filter(|(_, s)| **s > 0).map(|(m, _)| m).chain(self.ensemble.iter().map(|(_, m)| m)).max_by(by_ndcg);
        let encoder = cells().find(|(_, s)| **s == 0).map(|(m, _)| m);
        (diffusion.copied(), encoder.copied())
    }
}

/// The catalogue as the page uses it: row i = item i (row 0, padding, included).
#[derive(Clone, Debug, PartialEq)]
pub struct Catalogue {
    /// Empty when the file does not fit the model (then `warning` says so).
    pub items: Vec<ItemInfo>,
    /// Training interactions per item, `num_items + 1` long (zeros when the file has none).
    pub train_counts: Vec<u32>,
    pub warning: Option<String>,
}

#[derive(Deserialize)]
struct CatalogueFile {
    items: Vec<ItemInfo>,
    train_counts: Option<Vec<u32>>,
}

fn sized(what: &str, bytes: &[u8]) -> Result<(), String> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(format!("{what} is {} bytes, above the {MAX_FILE_BYTES}-byte limit", bytes.len()));
    }
    Ok(())
}

/// `catalogue.json` for a model with `num_items` items. A catalogue of another size is kept out
/// (titles are not shown) rather than trusted half-way.
pub fn parse_catalogue(bytes: &[u8], num_items: usize) -> Result<Catalogue, String> {
    sized("catalogue", bytes)?;
    let file: CatalogueFile = serde_json::from_slice(bytes).map_err(|e| format!("catalogue is not valid: {e}"))?;
    let rows = num_items + 1;
    let (items, warning) = if file.items.len() == rows {
        (file.items, None)
    } else {
        let listed = file.items.len().saturating_sub(1);
        (Vec::new(), Some(format!("The catalogue lists {listed} items but the model has {num_items}; titles are not shown.")))
    };
    let train_counts = file.train_counts.filter(|c| c.len() == rows).unwrap_or_else(|| vec![0; rows]);
    Ok(Catalogue { items, train_counts, warning })
}

/// `map.json`, checked against the model's item count and width.
pub fn parse_map(bytes: &[u8], num_items: usize, dim: usize) -> Result<ItemMap, String> {
    sized("item map", bytes)?;
    let map: ItemMap = serde_json::from_slice(bytes).map_err(|e| format!("item map is not valid: {e}"))?;
    map.validate(num_items, dim)?;
    Ok(map)
}

/// `sweep.json`, refused unless every row has one cell per steps value (and the diversity grid,
/// when present, the same shape).
pub fn parse_sweep(bytes: &[u8]) -> Result<SweepResult, String> {
    sized("validation grid", bytes)?;
    let grid: SweepResult = serde_json::from_slice(bytes).map_err(|e| format!("validation grid is not valid: {e}"))?;
    let shaped = |rows: Vec<usize>| rows.len() == grid.guidance.len() && rows.iter().all(|&c| c == grid.steps.len());
    if !shaped(grid.metrics.iter().map(Vec::len).collect()) {
        return Err("validation grid is inconsistent (rows × columns do not match its guidance × steps)".into());
    }
    if !grid.diversity.is_empty() && !shaped(grid.diversity.iter().map(Vec::len).collect()) {
        return Err("validation grid's diversity table does not match its guidance × steps".into());
    }
    if !grid.guidance.iter().all(|g| g.is_finite()) {
        return Err("validation grid has a non-finite guidance value".into());
    }
    let finite = |(p, m): &(f64, ListMeasures)| [*p, m.hr10, m.ndcg10, m.coverage, m.novelty, m.ild].iter().all(|v| v.is_finite());
    if !grid.baselines.iter().all(|b| b.points.iter().all(finite)) {
        return Err("validation grid has a non-finite baseline value".into());
    }
    Ok(grid)
}
