//! What the page knows about the items of the loaded bundle: titles, popularity, search, presets.

use playground_state::presets::{PresetItem, presets};
use playground_state::search::TitleIndex;
use playground_state::{Backend, Limits, PageState};
use playground_state::presets::Preset;
use seqdiff_model::data::ItemInfo;

use crate::bundle_loader::LoadedBundle;

/// Items per preset history.
const PRESET_SIZE: usize = 6;

pub struct Catalogue {
    /// "MovieLens-100K · test HR@10 10.71, NDCG@10 5.03" for the header.
    pub model_card: String,
    pub items: Vec<ItemInfo>,
    pub index: TitleIndex,
    pub presets: Vec<Preset>,
    pub limits: Limits,
    /// The page's defaults: the first preset and the sampling settings chosen on validation.
    pub defaults: PageState,
}

impl Catalogue {
    pub fn new(dataset: &str, bundle: &LoadedBundle) -> Catalogue {
        let n = bundle.manifest.model.num_items;
        let items = bundle.items.clone();
        let popularity = bundle.train_counts.clone();
        let info = |id: usize| items.get(id);
        let index = TitleIndex::new((1..=n).filter_map(|id| {
            info(id).map(|i| (id as u32, i.title.as_str(), i.year, popularity.get(id).copied().unwrap_or(0)))
        }));
        let preset_items: Vec<PresetItem> = (1..=n)
            .filter_map(|id| {
                info(id).map(|i| PresetItem { id: id as u32, year: i.year, genres: &i.genres, popularity: popularity.get(id).copied().unwrap_or(0) })
            })
            .collect();
        let presets = presets(&preset_items, PRESET_SIZE);
        let s = &bundle.manifest.sampling;
        let defaults = PageState {
            dataset: dataset.to_string(),
            history: presets.first().map(|p| p.items.clone()).unwrap_or_default(),
            guidance: s.guidance,
            steps: s.steps,
            seeds: s.ensemble,
            eta: s.eta,
            seed: s.seed,
            mask_history: true,
            hold_out: false,
            backend: Backend::Auto,
        };
        let limits = Limits { num_items: n, max_history: bundle.manifest.model.max_len, max_steps: bundle.manifest.model.diffusion_steps };
        let m = &bundle.manifest;
        let model_card = match &m.test_metrics {
            Some(t) => format!("{} · {} items · test HR@10 {:.2}, NDCG@10 {:.2}", m.name, n, t.hr10, t.ndcg10),
            None => format!("{} · {} items", m.name, n),
        };
        Catalogue { model_card, items, index, presets, limits, defaults }
    }

    pub fn title(&self, item: u32) -> String {
        self.items.get(item as usize).map(|i| i.title.clone()).filter(|t| !t.is_empty()).unwrap_or_else(|| format!("item {item}"))
    }

    /// "1977 · Action, Sci-Fi"
    pub fn detail(&self, item: u32) -> String {
        self.items.get(item as usize).map_or_else(String::new, |i| {
            let mut parts = Vec::new();
            if let Some(y) = i.year {
                parts.push(y.to_string());
            }
            if !i.genres.is_empty() {
                parts.push(i.genres.join(", "));
            }
            parts.join(" · ")
        })
    }
}
