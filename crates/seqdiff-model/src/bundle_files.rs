//! Parsers for a bundle's data files (catalogue, item map, validation grid), kept apart from the
//! page's downloading so they are tested — and fuzzed — natively. Every damaged input is an error
//! value, never a panic, and no input larger than [`MAX_FILE_BYTES`] is parsed at all.

use serde::Deserialize;

use crate::data::ItemInfo;
use crate::map::ItemMap;
use crate::metrics::Metrics;

/// Largest data file the page parses (the shipped ML-100K files are < 1 MiB; an ML-1M bundle's
/// map is ≈ 0.3 MiB). JSON parsing allocates in proportion to its input, so this caps memory.
pub const MAX_FILE_BYTES: usize = 64 << 20;

/// `sweep.json`: validation metrics over guidance × steps (`metrics[g][s]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct SweepGrid {
    pub split: String,
    pub guidance: Vec<f64>,
    pub steps: Vec<usize>,
    pub metrics: Vec<Vec<Metrics>>,
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

/// `sweep.json`, refused unless every row has one cell per steps value.
pub fn parse_sweep(bytes: &[u8]) -> Result<SweepGrid, String> {
    sized("validation grid", bytes)?;
    let grid: SweepGrid = serde_json::from_slice(bytes).map_err(|e| format!("validation grid is not valid: {e}"))?;
    let consistent = grid.metrics.len() == grid.guidance.len() && grid.metrics.iter().all(|row| row.len() == grid.steps.len());
    if !consistent {
        return Err("validation grid is inconsistent (rows × columns do not match its guidance × steps)".into());
    }
    if !grid.guidance.iter().all(|g| g.is_finite()) {
        return Err("validation grid has a non-finite guidance value".into());
    }
    Ok(grid)
}
