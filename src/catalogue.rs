//! What the page knows about the items of the loaded bundle: titles, popularity, search, presets,
//! and the page's defaults and limits (the map's data is `map_data.rs`).

use playground_state::presets::Preset;
use playground_state::presets::{PresetItem, presets};
use playground_state::request_cost::StepKind;
use playground_state::search::TitleIndex;
use playground_state::{BackendChoice, Limits, PageState};
use seqdiff_model::data::ItemInfo;

use seqdiff_model::bundle::Manifest;
use seqdiff_model::bundle_files::SweepResult;

use crate::bundle_loader::LoadedBundle;
use crate::map_data::MapData;

/// Items per preset history.
const PRESET_SIZE: usize = 6;

pub struct Catalogue {
    /// The bundle's name ("MovieLens-100K").
    pub name: String,
    /// Opened from this computer: its link opens the default bundle anywhere else.
    pub local: bool,
    /// "MovieLens-100K · test HR@10 10.71, NDCG@10 5.03" for the header.
    pub model_card: String,
    /// What the diffusion costs and buys on validation (from the sweep's grid and baselines).
    pub trade_off: Option<String>,
    pub items: Vec<ItemInfo>,
    /// 1-based popularity rank by training interactions (row 0 unused).
    pub popularity_rank: Vec<u32>,
    pub map: Option<MapData>,
    pub sweep: Option<SweepResult>,
    pub dim: usize,
    /// The model's learned logit offset for items already in the history (None: it has none).
    pub repeat_offset: Option<f32>,
    pub index: TitleIndex,
    pub presets: Vec<Preset>,
    pub limits: Limits,
    /// Guidance moves the result (false: an approximator with no condition to drop, as DiffuRec's).
    pub guided: bool,
    /// What one denoising step runs.
    pub step: StepKind,
    /// The page's defaults: the first preset and the sampling settings chosen on validation.
    pub defaults: PageState,
}

impl Catalogue {
    pub fn new(
        dataset: &str,
        bundle: &LoadedBundle,
        item_vectors: Vec<Vec<f32>>,
        repeat_offset: Option<f32>,
    ) -> Catalogue {
        let n = bundle.manifest.model.num_items;
        let items = bundle.items.clone();
        let popularity = bundle.train_counts.clone();
        let info = |id: usize| items.get(id);
        let index = TitleIndex::new((1..=n).filter_map(|id| {
            info(id).map(|i| (id as u32, i.title.as_str(), i.year, popularity.get(id).copied().unwrap_or(0)))
        }));
        let preset_items: Vec<PresetItem> = (1..=n)
            .filter_map(|id| {
                info(id).map(|i| PresetItem {
                    id: id as u32,
                    year: i.year,
                    genres: &i.genres,
                    popularity: popularity.get(id).copied().unwrap_or(0),
                })
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
            start: s.start,
            seed: s.seed,
            mask_history: true,
            hold_out: false,
            backend: BackendChoice::Auto,
            compare: None,
        };
        let limits = Limits {
            num_items: n,
            max_history: bundle.manifest.model.max_len,
            max_steps: bundle.manifest.model.diffusion_steps,
        };
        let mut by_popularity: Vec<usize> = (1..=n).collect();
        by_popularity.sort_by_key(|&i| (std::cmp::Reverse(popularity.get(i).copied().unwrap_or(0)), i));
        let mut popularity_rank = vec![0u32; n + 1];
        for (rank, &item) in by_popularity.iter().enumerate() {
            popularity_rank[item] = rank as u32 + 1;
        }
        let map = bundle.map.clone().map(|map| MapData::new(map, &items, item_vectors));
        let m = &bundle.manifest;
        let local = dataset.starts_with(playground_state::url_state::LOCAL_PREFIX);
        let mut model_card = model_card(m);
        if local {
            model_card.push_str(" · opened from this computer");
        }
        let trade_off = bundle.sweep.as_ref().and_then(|g| g.trade_off()).map(|t| t.sentence());
        Catalogue {
            name: m.name.clone(),
            local,
            model_card,
            trade_off,
            items,
            popularity_rank,
            map,
            sweep: bundle.sweep.clone(),
            dim: m.model.dim,
            repeat_offset,
            index,
            presets,
            limits,
            guided: !m.model.denoiser.reruns_encoder(),
            step: step_kind(m),
            defaults,
        }
    }

    pub fn title(&self, item: u32) -> String {
        self.items
            .get(item as usize)
            .map(|i| i.title.clone())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| format!("item {item}"))
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

pub fn step_kind(m: &Manifest) -> StepKind {
    if m.model.denoiser.reruns_encoder() { StepKind::Encoder } else { StepKind::Denoiser }
}

/// "MovieLens-100K · 1349 items · test HR@10 18.03, NDCG@10 9.36 (history masked: …)" for the header,
/// then the design's line and what a request costs it.
pub fn model_card(m: &Manifest) -> String {
    let card = metrics_card(m);
    let card = match m.model.design.summary() {
        "" => card,
        summary => format!("{card} · {summary}"),
    };
    let opens = match m.sampling.steps {
        0 => "opens with the encoder alone".to_string(),
        s => format!("opens at {s} steps"),
    };
    let cost = match step_kind(m) {
        StepKind::Encoder => format!("cost: the {}-block encoder re-runs at every step; {opens}", m.model.layers),
        StepKind::Denoiser => format!("cost: one encoder pass, then the denoiser at every step; {opens}"),
    };
    format!("{card} · {cost}")
}

fn metrics_card(m: &Manifest) -> String {
    let n = m.model.num_items;
    match &m.test_metrics {
        Some(t) => {
            let masked =
                t.masked.map_or_else(String::new, |k| format!(" (history masked: {:.2}, {:.2})", k.hr10, k.ndcg10));
            format!(
                "{} · {} items · test HR@10 {:.2}, NDCG@10 {:.2}{masked}",
                m.name, n, t.unmasked.hr10, t.unmasked.ndcg10
            )
        }
        None => format!("{} · {} items", m.name, n),
    }
}
