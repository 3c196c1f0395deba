//! Parsers for a bundle's data files (catalogue, item map, validation grid), kept apart from the
//! page's downloading so they are tested — and fuzzed — natively. Every damaged input is an error
//! value, never a panic, and no input larger than [`MAX_FILE_BYTES`] is parsed at all.

use serde::{Deserialize, Serialize};

use crate::config::SamplingConfig;
use crate::data::ItemInfo;
use crate::diversity::Diversity;
use crate::map::ItemMap;
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
        let diffusion = cells()
            .filter(|(_, s)| **s > 0)
            .map(|(m, _)| m)
            .chain(self.ensemble.iter().map(|(_, m)| m))
            .max_by(by_ndcg);
        let encoder = cells().find(|(_, s)| **s == 0).map(|(m, _)| m);
        (diffusion.copied(), encoder.copied())
    }
}

/// What the diffusion's settings trade against the plain baselines, read from a grid with
/// diversity and baselines: the model card's sentence.
#[derive(Clone, Debug, PartialEq)]
pub struct TradeOff {
    /// Validation NDCG@10 of the best diffusion setting and of the encoder alone.
    pub diffusion_ndcg10: f64,
    pub encoder_ndcg10: f64,
    /// Per baseline (name): the largest HR@10 margin of a diffusion setting (steps ≥ 1) over it at
    /// the same novelty (mean popularity rank); baselines whose curve reaches no diffusion setting
    /// are left out.
    pub novelty_margins: Vec<(String, f64)>,
}

impl TradeOff {
    /// One sentence for the model card: what the diffusion costs in accuracy and what it buys.
    pub fn sentence(&self) -> String {
        let (d, e) = (self.diffusion_ndcg10, self.encoder_ndcg10);
        let accuracy = if d > e {
            format!("On validation the best diffusion setting beats its encoder (NDCG@10 {d:.2} against {e:.2}).")
        } else {
            format!(
                "On validation no diffusion setting beats its own encoder (best NDCG@10 {d:.2} against {e:.2}), so the page opens at steps 0, the encoder alone."
            )
        };
        if self.novelty_margins.is_empty() {
            return accuracy;
        }
        let parts: Vec<String> = self
            .novelty_margins
            .iter()
            .map(|(name, m)| {
                if *m > 0.0 {
                    format!("up to {m:.1} HR@10 above {name}")
                } else {
                    format!("at best {:.1} HR@10 below {name}", -m)
                }
            })
            .collect();
        format!(
            "{accuracy} What guidance and steps buy is less popular items: at the same mean popularity rank, the diffusion's lists score {}.",
            parts.join("; ")
        )
    }
}

impl BaselineCurve {
    /// The curve's HR@10 at `x` of `measure` (None outside its range).
    pub fn hr10_at(&self, measure: fn(&ListMeasures) -> f64, x: f64) -> Option<f64> {
        crate::plain_sampling::hr10_at(self.points.iter().map(|(_, m)| m), measure, x)
    }
}

impl SweepResult {
    /// The trade-off, when the grid has diversity and baselines.
    pub fn trade_off(&self) -> Option<TradeOff> {
        let (diffusion, encoder) = self.diffusion_and_encoder();
        let (diffusion, encoder) = (diffusion?, encoder?);
        if self.diversity.is_empty() || self.baselines.is_empty() {
            return None;
        }
        let settings: Vec<(f64, f64)> = self
            .diversity
            .iter()
            .zip(&self.metrics)
            .flat_map(|(d, m)| {
                d.iter()
                    .zip(m)
                    .zip(&self.steps)
                    .filter(|(_, s)| **s > 0)
                    .map(|((d, m), _)| (d.novelty, m.unmasked.hr10))
            })
            .collect();
        let novelty_margins = self
            .baselines
            .iter()
            .filter_map(|b| {
                let margins = settings.iter().filter_map(|&(x, hr)| b.hr10_at(|m| m.novelty, x).map(|base| hr - base));
                margins
                    .fold(None, |best: Option<f64>, v| Some(best.map_or(v, |b| b.max(v))))
                    .map(|m| (b.name.clone(), m))
            })
            .collect();
        Some(TradeOff {
            diffusion_ndcg10: diffusion.unmasked.ndcg10,
            encoder_ndcg10: encoder.unmasked.ndcg10,
            novelty_margins,
        })
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
        (
            Vec::new(),
            Some(format!("The catalogue lists {listed} items but the model has {num_items}; titles are not shown.")),
        )
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
    let finite = |(p, m): &(f64, ListMeasures)| {
        [*p, m.hr10, m.ndcg10, m.coverage, m.novelty, m.ild].iter().all(|v| v.is_finite())
    };
    if !grid.baselines.iter().all(|b| b.points.iter().all(finite)) {
        return Err("validation grid has a non-finite baseline value".into());
    }
    Ok(grid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(hr10: f64, novelty: f64) -> ListMeasures {
        ListMeasures { hr10, novelty, ..Default::default() }
    }

    fn evaluation(hr10: f64, ndcg10: f64) -> Evaluation {
        let mut e = Evaluation::default();
        e.unmasked.hr10 = hr10;
        e.unmasked.ndcg10 = ndcg10;
        e
    }

    #[test]
    fn the_trade_off_compares_each_diffusion_setting_with_each_baseline_at_its_own_novelty() {
        let novelty = |n: f64| Diversity { novelty: n, ..Default::default() };
        let grid = SweepResult {
            split: "valid".into(),
            guidance: vec![0.0, 2.0],
            steps: vec![0, 1],
            // Encoder: 23 HR@10 at novelty 200; w=0 S=1: 21 at 210; w=2 S=1: 18 at 300.
            metrics: vec![
                vec![evaluation(23.0, 11.6), evaluation(21.0, 10.9)],
                vec![evaluation(23.0, 11.6), evaluation(18.0, 9.0)],
            ],
            ensemble: vec![],
            best: SamplingConfig { steps: 0, ..Default::default() },
            diversity: vec![vec![novelty(200.0), novelty(210.0)], vec![novelty(200.0), novelty(300.0)]],
            baselines: vec![
                // Falls 1 HR@10 per 10 ranks: 22 at 210 (diffusion −1), 13 at 300 (+5).
                BaselineCurve {
                    name: "softmax sampling".into(),
                    parameter: "τ".into(),
                    points: vec![(0.0, list(23.0, 200.0)), (2.0, list(13.0, 300.0))],
                },
                // Falls 0.1 per 10 ranks: 22.9 at 210 (−1.9), 22.0 at 300 (−4).
                BaselineCurve {
                    name: "popularity penalty".into(),
                    parameter: "γ".into(),
                    points: vec![(0.0, list(23.0, 200.0)), (0.8, list(22.0, 300.0))],
                },
                // Never reaches the diffusion's novelty.
                BaselineCurve {
                    name: "MMR".into(),
                    parameter: "λ".into(),
                    points: vec![(1.0, list(23.0, 200.0)), (0.3, list(22.0, 205.0))],
                },
            ],
        };
        let t = grid.trade_off().unwrap();
        assert_eq!((t.diffusion_ndcg10, t.encoder_ndcg10), (10.9, 11.6));
        assert_eq!(t.novelty_margins.len(), 2, "{t:?}");
        assert_eq!(t.novelty_margins[0].0, "softmax sampling");
        assert!((t.novelty_margins[0].1 - 5.0).abs() < 1e-9, "{t:?}");
        assert_eq!(t.novelty_margins[1].0, "popularity penalty");
        assert!((t.novelty_margins[1].1 + 1.9).abs() < 1e-9, "{t:?}");
        assert_eq!(
            t.sentence(),
            "On validation no diffusion setting beats its own encoder (best NDCG@10 10.90 against 11.60), so the page opens at steps 0, the encoder alone. \
             What guidance and steps buy is less popular items: at the same mean popularity rank, the diffusion's lists score up to 5.0 HR@10 \
             above softmax sampling; at best 1.9 HR@10 below popularity penalty."
        );
        // Without baselines there is nothing to say.
        assert_eq!(SweepResult { baselines: vec![], ..grid }.trade_off(), None);
    }
}
