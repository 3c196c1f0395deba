//! As-you-type title search for "Add item to history".

/// One searchable item.
#[derive(Clone, Debug)]
struct Entry {
    id: u32,
    /// Lower-case "title year".
    text: String,
    popularity: u32,
}

#[derive(Clone, Debug, Default)]
pub struct TitleIndex {
    entries: Vec<Entry>,
}

impl TitleIndex {
    /// `items` yields (id, title, year, popularity); empty titles are skipped.
    pub fn new<'a>(items: impl IntoIterator<Item = (u32, &'a str, Option<u16>, u32)>) -> Self {
        let entries = items
            .into_iter()
            .filter(|(_, title, _, _)| !title.trim().is_empty())
            .map(|(id, title, year, popularity)| {
                let year = year.map(|y| format!(" {y}")).unwrap_or_default();
                Entry { id, text: format!("{title}{year}").to_lowercase(), popularity }
            })
            .collect();
        TitleIndex { entries }
    }

    /// Items whose title (or year) contains every word of `query`, best first: titles that start
    /// with the query, then titles with a word starting with it, then the rest; ties by popularity.
    /// `exclude` (the current history) never appears.
    pub fn find(&self, query: &str, exclude: &[u32], limit: usize) -> Vec<u32> {
        let query = query.trim().to_lowercase();
        let words: Vec<&str> = query.split_whitespace().collect();
        if words.is_empty() {
            return Vec::new();
        }
        // One searcher per word, built once per query, not once per title.
        let finders: Vec<memchr::memmem::Finder> = words.iter().map(|w| memchr::memmem::Finder::new(w)).collect();
        let mut hits: Vec<(u8, std::cmp::Reverse<u32>, u32)> = self
            .entries
            .iter()
            .filter(|e| finders.iter().all(|f| f.find(e.text.as_bytes()).is_some()) && !exclude.contains(&e.id))
            .map(|e| {
                let tier = if e.text.starts_with(&query) {
                    0
                } else if e.text.split(|c: char| !c.is_alphanumeric()).any(|w| w.starts_with(words[0])) {
                    1
                } else {
                    2
                };
                (tier, std::cmp::Reverse(e.popularity), e.id)
            })
            .collect();
        // Only the best `limit` are shown: select them, then sort those (a short query matches most of a
        // 12,000-item catalogue, and sorting every hit on each keystroke cost ≈ 1 ms).
        if limit == 0 {
            return Vec::new();
        }
        if hits.len() > limit {
            hits.select_nth_unstable(limit - 1);
            hits.truncate(limit);
        }
        hits.sort_unstable();
        hits.into_iter().map(|(_, _, id)| id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> TitleIndex {
        TitleIndex::new([
            (1, "Star Wars", Some(1977), 500),
            (2, "Return of the Jedi", Some(1983), 400),
            (3, "Starship Troopers", Some(1997), 90),
            (4, "Lone Star", Some(1996), 120),
            (5, "", None, 1000),
            (6, "Mustard", None, 999),
        ])
    }

    #[test]
    fn prefix_matches_come_first_then_word_starts_then_substrings() {
        // "star": two titles start with it (popularity order), one has a word starting with it,
        // one only contains it mid-word.
        assert_eq!(index().find("star", &[], 10), vec![1, 3, 4, 6]);
    }

    #[test]
    fn every_word_must_match_case_insensitively_and_years_count() {
        assert_eq!(index().find("  JEDI  return ", &[], 10), vec![2]);
        assert_eq!(index().find("1977", &[], 10), vec![1]);
        assert!(index().find("star 1983", &[], 10).is_empty());
    }

    #[test]
    fn empty_queries_excluded_items_and_limits() {
        assert!(index().find("   ", &[], 10).is_empty());
        assert_eq!(index().find("star", &[1], 10), vec![3, 4, 6]);
        assert_eq!(index().find("star", &[], 2), vec![1, 3]);
        assert!(index().find("star", &[], 0).is_empty());
        // Untitled items are never offered.
        assert!(!index().find("", &[], 10).contains(&5));
    }
}
