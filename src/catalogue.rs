//! What the page knows about the items of the loaded bundle: titles, popularity, search, presets.

use playground_state::presets::Preset;
use playground_state::presets::{PresetItem, presets};
use playground_state::search::TitleIndex;
use playground_state::{BackendChoice, Limits, PageState};
use seqdiff_model::data::ItemInfo;

use playground_state::map_view::GridIndex;
use seqdiff_model::map::{ItemMap, UnitItems};

use crate::bundle_loader::LoadedBundle;
use seqdiff_model::bundle_files::SweepResult;

/// The embedding map's data: coordinates, colours and hover indices for both views.
pub struct MapData {
    pub map: ItemMap,
    /// L2-normalised item vectors (row i = item i) for placing x̂0 among the items.
    pub unit_items: UnitItems,
    /// Legend entry of each item (its least common genre: the most telling one).
    pub colour_of: Vec<usize>,
    pub legend: Vec<String>,
    pub tsne_index: GridIndex,
    pub pca_index: GridIndex,
}

/// Items per preset history.
const PRESET_SIZE: usize = 6;

pub struct Catalogue {
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
            info(id).map(|i| {
                (
                    id as u32,
                    i.title.as_str(),
                    i.year,
                    popularity.get(id).copied().unwrap_or(0),
                )
            })
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
        };
        let limits = Limits {
            num_items: n,
            max_history: bundle.manifest.model.max_len,
            max_steps: bundle.manifest.model.diffusion_steps,
        };
        let mut by_popularity: Vec<usize> = (1..=n).collect();
        by_popularity.sort_by_key(|&i| {
            (
                std::cmp::Reverse(popularity.get(i).copied().unwrap_or(0)),
                i,
            )
        });
        let mut popularity_rank = vec![0u32; n + 1];
        for (rank, &item) in by_popularity.iter().enumerate() {
            popularity_rank[item] = rank as u32 + 1;
        }
        let map = bundle
            .map
            .clone()
            .map(|map| map_data(map, &items, item_vectors));
        let m = &bundle.manifest;
        let model_card = match &m.test_metrics {
            Some(t) => {
                let masked = t.masked.map_or_else(String::new, |k| {
                    format!(" (history masked: {:.2}, {:.2})", k.hr10, k.ndcg10)
                });
                format!(
                    "{} · {} items · test HR@10 {:.2}, NDCG@10 {:.2}{masked}",
                    m.name, n, t.unmasked.hr10, t.unmasked.ndcg10
                )
            }
            None => format!("{} · {} items", m.name, n),
        };
        let trade_off = bundle
            .sweep
            .as_ref()
            .and_then(|g| g.trade_off())
            .map(|t| t.sentence());
        Catalogue {
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

fn map_data(map: ItemMap, items: &[ItemInfo], item_vectors: Vec<Vec<f32>>) -> MapData {
    let mut genre_count = std::collections::BTreeMap::<&str, usize>::new();
    for i in items.iter().skip(1) {
        for g in &i.genres {
            *genre_count.entry(g.as_str()).or_default() += 1;
        }
    }
    // Row 0 (padding) is not counted; a genre only it carries counts 0 rather than panicking.
    let telling = |i: &ItemInfo| {
        i.genres
            .iter()
            .min_by_key(|g| {
                (
                    genre_count.get(g.as_str()).copied().unwrap_or(0),
                    g.as_str(),
                )
            })
            .cloned()
            .unwrap_or_else(|| "unknown".into())
    };
    let chosen: Vec<String> = (0..map.tsne.len())
        .map(|i| items.get(i).map_or_else(|| "unknown".into(), telling))
        .collect();
    let mut legend_count = std::collections::BTreeMap::<String, usize>::new();
    for g in chosen.iter().skip(1) {
        *legend_count.entry(g.clone()).or_default() += 1;
    }
    let mut legend: Vec<String> = legend_count.keys().cloned().collect();
    legend.sort_by_key(|g| (std::cmp::Reverse(legend_count[g]), g.clone()));
    let colour_of = chosen
        .iter()
        .map(|g| legend.iter().position(|l| l == g).unwrap_or(0))
        .collect();
    MapData {
        tsne_index: GridIndex::new(&map.tsne, &[0]),
        pca_index: GridIndex::new(&map.pca, &[0]),
        unit_items: UnitItems::new(&item_vectors),
        colour_of,
        legend,
        map,
    }
}
