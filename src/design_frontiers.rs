//! Every model's frontier on the trade-off charts: the validation grids of the shown dataset's other
//! models (ours or a published design's preset), fetched once after the first list so they never
//! delay it. Only each one's manifest and `sweep.json` are read, hash-checked; never its weights,
//! catalogue or map. A model with no bundle here is left out; one whose grid is damaged is named
//! with the reason under the charts.

use leptos::prelude::*;
use playground_state::url_state::{LOCAL_PREFIX, MODELS, model_folder, split_model};
use seqdiff_model::bundle_files::SweepResult;

use crate::bundle_loader::{BundleSource, LoadError, load_grid};
use crate::view_model::Sinks;

/// Another model's validation grid.
#[derive(Clone)]
pub struct ModelGrid {
    /// Its `MODELS` name ("dreamrec").
    pub name: &'static str,
    /// "DreamRec".
    pub label: &'static str,
    /// Its grid, or why it could not be used.
    pub sweep: Result<SweepResult, String>,
}

/// The grids of `dataset`'s other models, in `MODELS` order, filled once the first list is shown.
pub fn other_model_grids(dataset: &str, sinks: Sinks) -> RwSignal<Vec<ModelGrid>> {
    let grids = RwSignal::new(Vec::new());
    // A model opened from disk has no siblings on this site.
    if dataset.starts_with(LOCAL_PREFIX) {
        return grids;
    }
    let (base, shown) = split_model(dataset);
    let others: Vec<(&'static str, &'static str, String)> = MODELS
        .iter()
        .filter(|(name, _)| *name != shown)
        .map(|(name, label)| (*name, *label, format!("models/{}", model_folder(base, name))))
        .collect();
    Effect::new(move |started: Option<bool>| {
        if started == Some(true) || sinks.output.with(|o| o.is_none()) {
            return started.unwrap_or(false);
        }
        let others = others.clone();
        leptos::task::spawn_local(async move {
            let loads = others
                .iter()
                .map(|(_, _, folder)| async move { load_grid(&BundleSource::Hosted(folder.clone())).await });
            let results = futures::future::join_all(loads).await;
            let found: Vec<ModelGrid> = others
                .iter()
                .zip(results)
                .filter_map(|((name, label, _), r)| {
                    let sweep = match r {
                        Ok(Some(sweep)) if !sweep.diversity.is_empty() => Ok(sweep),
                        // No bundle, no grid, or a grid without diversity: nothing to draw.
                        Ok(_) | Err(LoadError::Missing(_)) => return None,
                        Err(e) => Err(e.message().to_string()),
                    };
                    Some(ModelGrid { name, label, sweep })
                })
                .collect();
            let _ = grids.try_set(found);
        });
        true
    });
    grids
}
