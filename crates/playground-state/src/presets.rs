//! Ready-made histories so a first visit shows something sensible with no clicks.

#[derive(Clone, Debug, PartialEq)]
pub struct Preset {
    pub name: String,
    /// Oldest first.
    pub items: Vec<u32>,
}

/// Genres offered as presets, when the catalogue has them.
pub const PRESET_GENRES: &[&str] = &["Sci-Fi", "Romance", "Children's", "Horror", "Film-Noir", "Documentary"];

/// One item of the catalogue as the presets see it.
#[derive(Clone, Debug)]
pub struct PresetItem<'a> {
    pub id: u32,
    pub year: Option<u16>,
    pub genres: &'a [String],
    /// Training interactions: a proxy for "well known".
    pub popularity: u32,
}

/// "Most watched" plus one history per genre in `PRESET_GENRES`: the `size` most popular items
/// (of that genre), ordered by release year so the newest film is the last one watched.
pub fn presets(items: &[PresetItem], size: usize) -> Vec<Preset> {
    let pick = |keep: &dyn Fn(&PresetItem) -> bool| -> Vec<u32> {
        let mut chosen: Vec<&PresetItem> = items.iter().filter(|i| i.popularity > 0 && keep(i)).collect();
        chosen.sort_by_key(|i| (std::cmp::Reverse(i.popularity), i.id));
        chosen.truncate(size);
        chosen.sort_by_key(|i| (i.year.unwrap_or(0), i.id));
        chosen.into_iter().map(|i| i.id).collect()
    };
    let mut out = vec![Preset { name: "Most watched".into(), items: pick(&|_| true) }];
    for genre in PRESET_GENRES {
        let chosen = pick(&|i: &PresetItem| i.genres.iter().any(|g| g == genre));
        if chosen.len() >= 2 {
            out.push(Preset { name: format!("{genre} fan"), items: chosen });
        }
    }
    out.retain(|p| !p.items.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_watched_first_then_genres_ordered_by_year() {
        let scifi = vec!["Sci-Fi".to_string()];
        let romance = vec!["Romance".to_string()];
        let items = [
            PresetItem { id: 1, year: Some(1990), genres: &scifi, popularity: 50 },
            PresetItem { id: 2, year: Some(1980), genres: &scifi, popularity: 40 },
            PresetItem { id: 3, year: Some(1970), genres: &scifi, popularity: 1 },
            PresetItem { id: 4, year: Some(1995), genres: &romance, popularity: 60 },
            PresetItem { id: 5, year: Some(1999), genres: &romance, popularity: 0 },
        ];
        let p = presets(&items, 2);
        assert_eq!(p[0], Preset { name: "Most watched".into(), items: vec![1, 4] });
        assert_eq!(p[1], Preset { name: "Sci-Fi fan".into(), items: vec![2, 1] });
        // Romance has one item with any interactions: too few for a history.
        assert_eq!(p.len(), 2);
    }
}
