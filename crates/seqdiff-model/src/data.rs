//! Reading interaction data into leave-one-out user sequences (ARCHITECTURE.md §1).
//!
//! Two formats: the DiffuRec split as `sequences.tsv` (`user<TAB>train<TAB>valid<TAB>test`), and raw
//! MovieLens-100K as shipped in the recbole wheel (`ml-100k.inter` + `ml-100k.item`), which is split here.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

/// The largest item id a sequences file may use. The item table has one row per id up to the
/// largest, so a stray huge id would otherwise be an out-of-memory crash instead of an error.
pub const MAX_ITEM_ID: u32 = 1_000_000;

/// One user's chronological history, split leave-one-out.
#[derive(Clone, Debug, PartialEq)]
pub struct UserSequence {
    pub user: String,
    pub train: Vec<u32>,
    pub valid: u32,
    pub test: u32,
}

/// Title, year and genres of one item (index = item id; row 0 is padding).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ItemInfo {
    pub title: String,
    pub year: Option<u16>,
    pub genres: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Dataset {
    /// Items are 1..=num_items; 0 is padding.
    pub num_items: usize,
    pub users: Vec<UserSequence>,
    /// Only for datasets that ship their catalogue (ML-100K); index 0 is a placeholder.
    pub catalogue: Option<Vec<ItemInfo>>,
}

/// A data error that names the file and, when it applies, the 1-based line.
#[derive(Debug)]
pub struct DataError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path.display(), line, self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for DataError {}

impl DataError {
    pub fn new(path: &Path, line: Option<usize>, message: impl Into<String>) -> DataError {
        DataError { path: path.to_path_buf(), line, message: message.into() }
    }
}

fn err(path: &Path, line: Option<usize>, message: impl Into<String>) -> DataError {
    DataError::new(path, line, message)
}

impl Dataset {
    /// Loads `PATH` that is a `sequences.tsv`, a `.inter` file, or a folder holding either.
    pub fn load(path: &Path) -> Result<Dataset, DataError> {
        let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| err(p, None, format!("cannot read: {e}")));
        if path.is_dir() {
            let tsv = path.join("sequences.tsv");
            if tsv.is_file() {
                let mut dataset = Dataset::parse_sequences(&read(&tsv)?, &tsv)?;
                // The catalogue `seqdiff import` writes beside the split (optional).
                let items = path.join("items.tsv");
                if items.is_file() {
                    dataset.catalogue = Some(parse_items_tsv(&read(&items)?, &items, dataset.num_items)?);
                }
                return Ok(dataset);
            }
            let inter = std::fs::read_dir(path)
                .map_err(|e| err(path, None, format!("cannot list folder: {e}")))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| p.extension().is_some_and(|x| x == "inter"));
            return match inter {
                Some(inter) => Dataset::load_recbole(&inter),
                None => Err(err(path, None, "folder has neither sequences.tsv nor a recbole .inter file")),
            };
        }
        if !path.exists() {
            return Err(err(path, None, "no such file or folder"));
        }
        if path.extension().is_some_and(|x| x == "inter") {
            return Dataset::load_recbole(path);
        }
        Dataset::parse_sequences(&read(path)?, path)
    }

    /// Parses the DiffuRec TSV split (header line first). Item ids must be in 1..=[`MAX_ITEM_ID`].
    pub fn parse_sequences(text: &str, path: &Path) -> Result<Dataset, DataError> {
        let mut users = Vec::new();
        let mut num_items = 0u32;
        for (index, raw) in text.lines().enumerate() {
            let line_no = index + 1;
            let line = raw.trim_end_matches('\r');
            if line.trim().is_empty() || (index == 0 && line.starts_with("user")) {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() != 4 {
                return Err(err(
                    path,
                    Some(line_no),
                    format!("expected 4 tab-separated fields (user, train, valid, test), found {}", fields.len()),
                ));
            }
            let items = |field: &str, what: &str| -> Result<Vec<u32>, DataError> {
                field
                    .split_whitespace()
                    .map(|tok| match tok.parse::<u32>() {
                        Ok(0) => Err(err(path, Some(line_no), format!("{what}: item 0 is reserved for padding"))),
                        Ok(v) if v > MAX_ITEM_ID => Err(err(
                            path,
                            Some(line_no),
                            format!("{what}: item id {v} is above the largest supported id {MAX_ITEM_ID} (ids must be dense: 1..number of items)"),
                        )),
                        Ok(v) => Ok(v),
                        Err(_) => Err(err(path, Some(line_no), format!("{what}: '{tok}' is not a positive integer item id"))),
                    })
                    .collect()
            };
            let train = items(fields[1], "train")?;
            let valid = items(fields[2], "valid")?;
            let test = items(fields[3], "test")?;
            if train.is_empty() || valid.len() != 1 || test.len() != 1 {
                return Err(err(
                    path,
                    Some(line_no),
                    "need at least one train item and exactly one valid and one test item",
                ));
            }
            num_items = num_items.max(*train.iter().max().unwrap()).max(valid[0]).max(test[0]);
            users.push(UserSequence { user: fields[0].to_string(), train, valid: valid[0], test: test[0] });
        }
        if users.is_empty() {
            return Err(err(path, None, "no users in file (empty dataset)"));
        }
        Ok(Dataset { num_items: num_items as usize, users, catalogue: None })
    }

    /// Loads recbole's `ml-100k.inter` (and `ml-100k.item` beside it, when present) and builds the split:
    /// sort each user's interactions by timestamp (ties by item id), keep users and items with ≥5
    /// interactions (repeated until stable), re-number items 1..N by original id, leave-one-out.
    pub fn load_recbole(inter_path: &Path) -> Result<Dataset, DataError> {
        let text =
            std::fs::read_to_string(inter_path).map_err(|e| err(inter_path, None, format!("cannot read: {e}")))?;
        let item_path = inter_path.with_extension("item");
        let item_text = if item_path.is_file() {
            Some(std::fs::read_to_string(&item_path).map_err(|e| err(&item_path, None, format!("cannot read: {e}")))?)
        } else {
            None
        };
        Dataset::from_recbole(&text, inter_path, item_text.as_deref().map(|t| (t, item_path.as_path())))
    }

    pub fn from_recbole(inter: &str, inter_path: &Path, items: Option<(&str, &Path)>) -> Result<Dataset, DataError> {
        let mut lines = inter.lines().enumerate();
        let header = lines.next().ok_or_else(|| err(inter_path, None, "empty file"))?.1;
        let cols: Vec<&str> = header.split('\t').map(|c| c.split(':').next().unwrap_or(c)).collect();
        let col = |name: &str| {
            cols.iter()
                .position(|c| *c == name)
                .ok_or_else(|| err(inter_path, Some(1), format!("header lacks column '{name}'")))
        };
        let (user_col, item_col, time_col) = (col("user_id")?, col("item_id")?, col("timestamp")?);
        // (timestamp, item) per user.
        let mut events: Vec<(String, u64, f64)> = Vec::new();
        for (index, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            let get = |c: usize| {
                f.get(c).copied().ok_or_else(|| {
                    err(inter_path, Some(index + 1), format!("expected {} fields, found {}", cols.len(), f.len()))
                })
            };
            let item: u64 = get(item_col)?
                .trim()
                .parse()
                .map_err(|_| err(inter_path, Some(index + 1), "item_id is not an integer"))?;
            let time: f64 = get(time_col)?
                .trim()
                .parse()
                .map_err(|_| err(inter_path, Some(index + 1), "timestamp is not a number"))?;
            events.push((get(user_col)?.to_string(), item, time));
        }
        // 5-core filter, repeated until no user or item drops below 5.
        loop {
            let mut per_user: HashMap<&str, usize> = HashMap::new();
            let mut per_item: HashMap<u64, usize> = HashMap::new();
            for (u, i, _) in &events {
                *per_user.entry(u).or_default() += 1;
                *per_item.entry(*i).or_default() += 1;
            }
            let keep: Vec<bool> =
                events.iter().map(|(u, i, _)| per_user[u.as_str()] >= 5 && per_item[i] >= 5).collect();
            if keep.iter().all(|k| *k) {
                break;
            }
            let mut k = keep.into_iter();
            events.retain(|_| k.next().unwrap());
        }
        if events.is_empty() {
            return Err(err(
                inter_path,
                None,
                "no interactions left after keeping users and items with ≥5 interactions",
            ));
        }
        let original_ids: Vec<u64> = {
            let mut ids: Vec<u64> = events.iter().map(|e| e.1).collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let new_id: HashMap<u64, u32> = original_ids.iter().enumerate().map(|(k, id)| (*id, k as u32 + 1)).collect();
        let mut by_user: BTreeMap<String, Vec<(f64, u64)>> = BTreeMap::new();
        for (u, i, t) in events {
            by_user.entry(u).or_default().push((t, i));
        }
        let mut users = Vec::with_capacity(by_user.len());
        for (user, mut seq) in by_user {
            seq.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let mut items: Vec<u32> = seq.iter().map(|(_, i)| new_id[i]).collect();
            let test = items.pop().unwrap();
            let valid = items.pop().unwrap();
            users.push(UserSequence { user, train: items, valid, test });
        }
        // Numeric user order when ids are numbers, so output is stable and readable.
        users.sort_by(|a, b| match (a.user.parse::<u64>(), b.user.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            _ => a.user.cmp(&b.user),
        });
        let catalogue = match items {
            Some((text, path)) => Some(parse_recbole_items(text, path, &original_ids)?),
            None => None,
        };
        Ok(Dataset { num_items: original_ids.len(), users, catalogue })
    }

    /// Number of (input prefix → next item) training targets in the train parts.
    pub fn num_train_targets(&self) -> usize {
        self.users.iter().map(|u| u.train.len().saturating_sub(1)).sum()
    }

    /// Interaction counts per item over train parts (index = item id), for popularity baselines.
    pub fn item_counts(&self) -> Vec<u32> {
        let mut counts = vec![0u32; self.num_items + 1];
        for u in &self.users {
            for &i in &u.train {
                counts[i as usize] += 1;
            }
        }
        counts
    }
}

/// Reads `items.tsv` (item, original id, title, genres separated by `|`; header line first) into
/// catalogue rows by item id; an item it does not list is titled by its id.
pub fn parse_items_tsv(text: &str, path: &Path, num_items: usize) -> Result<Vec<ItemInfo>, DataError> {
    let untitled = |id: usize| ItemInfo { title: format!("item {id}"), year: None, genres: vec![] };
    let mut rows: Vec<ItemInfo> = (0..=num_items).map(untitled).collect();
    rows[0].title = String::new();
    for (index, line) in text.lines().enumerate().skip(1) {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let id: usize = f
            .first()
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| err(path, Some(index + 1), "the first column is not an item id"))?;
        if (1..=num_items).contains(&id) {
            let field = |c: usize| f.get(c).map_or("", |s| s.trim());
            rows[id] = ItemInfo {
                title: field(2).to_string(),
                year: None,
                genres: field(3).split('|').filter(|g| !g.is_empty()).map(str::to_string).collect(),
            };
        }
    }
    Ok(rows)
}

/// Reads `ml-100k.item` (item_id, movie_title, release_year, class) into catalogue rows ordered by new id.
fn parse_recbole_items(text: &str, path: &Path, original_ids: &[u64]) -> Result<Vec<ItemInfo>, DataError> {
    let mut lines = text.lines().enumerate();
    let header = lines.next().ok_or_else(|| err(path, None, "empty file"))?.1;
    let cols: Vec<&str> = header.split('\t').map(|c| c.split(':').next().unwrap_or(c)).collect();
    let find = |name: &str| cols.iter().position(|c| *c == name);
    let id_col = find("item_id").ok_or_else(|| err(path, Some(1), "header lacks column 'item_id'"))?;
    let (title_col, year_col, genre_col) = (find("movie_title"), find("release_year"), find("class"));
    let mut by_id: HashMap<u64, ItemInfo> = HashMap::new();
    for (index, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let id: u64 = f
            .get(id_col)
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| err(path, Some(index + 1), "item_id is not an integer"))?;
        let field = |c: Option<usize>| c.and_then(|c| f.get(c)).map(|s| s.trim()).unwrap_or("");
        by_id.insert(
            id,
            ItemInfo {
                title: field(title_col).to_string(),
                year: field(year_col).parse().ok(),
                genres: field(genre_col).split_whitespace().map(str::to_string).collect(),
            },
        );
    }
    let mut rows = vec![ItemInfo { title: String::new(), year: None, genres: vec![] }];
    for id in original_ids {
        rows.push(by_id.remove(id).unwrap_or(ItemInfo { title: format!("item {id}"), year: None, genres: vec![] }));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_tsv_gives_titles_and_genres_by_id_and_names_unlisted_items() {
        let text = "item\toriginal_id\ttitle\tgenres\n2\tm9\tAmélie\tComedy|Romance\n7\tm1\tout of range\t\n";
        let rows = parse_items_tsv(text, Path::new("items.tsv"), 3).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(
            (rows[2].title.as_str(), rows[2].genres.clone()),
            ("Amélie", vec!["Comedy".to_string(), "Romance".to_string()])
        );
        assert_eq!((rows[1].title.as_str(), rows[3].title.as_str()), ("item 1", "item 3"));
        let bad = parse_items_tsv("item\ttitle\nx\ty\n", Path::new("items.tsv"), 3).unwrap_err();
        assert_eq!(bad.to_string(), "items.tsv:2: the first column is not an item id");
    }

    #[test]
    fn parses_sequences_and_skips_header() {
        let text = "user\ttrain\tvalid\ttest\n1\t3 1 2\t4\t5\n2\t2 2\t1\t6\n";
        let d = Dataset::parse_sequences(text, Path::new("x.tsv")).unwrap();
        assert_eq!(d.users.len(), 2);
        assert_eq!(d.users[0].train, vec![3, 1, 2]);
        assert_eq!((d.users[0].valid, d.users[0].test), (4, 5));
        assert_eq!(d.num_items, 6);
        assert_eq!(d.num_train_targets(), 2 + 1);
    }

    #[test]
    fn bad_lines_name_file_and_line() {
        let e = Dataset::parse_sequences("user\ttrain\tvalid\ttest\n1\t3 x\t4\t5\n", Path::new("d.tsv")).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.to_string().starts_with("d.tsv:2:"), "{e}");
        assert!(e.to_string().contains("'x'"));
        let e = Dataset::parse_sequences("1\t3\t4\n", Path::new("d.tsv")).unwrap_err();
        assert!(e.message.contains("4 tab-separated"), "{e}");
        let e = Dataset::parse_sequences("1\t3 0\t4\t5\n", Path::new("d.tsv")).unwrap_err();
        assert!(e.message.contains("padding"), "{e}");
        let e = Dataset::parse_sequences("1\t3\t4 5\t5\n", Path::new("d.tsv")).unwrap_err();
        assert!(e.message.contains("exactly one"), "{e}");
        let e = Dataset::parse_sequences("user\ttrain\tvalid\ttest\n", Path::new("d.tsv")).unwrap_err();
        assert!(e.message.contains("empty"), "{e}");
        let e = Dataset::parse_sequences("1\t3\t4\t5\n2\t3 40000000\t4\t5\n", Path::new("d.tsv")).unwrap_err();
        assert!(
            e.to_string().starts_with("d.tsv:2:")
                && e.message.contains("40000000")
                && e.message.contains("largest supported"),
            "{e}"
        );
        let ok = Dataset::parse_sequences(&format!("1\t3\t4\t{MAX_ITEM_ID}\n"), Path::new("d.tsv")).unwrap();
        assert_eq!(ok.num_items, MAX_ITEM_ID as usize);
    }

    #[test]
    fn missing_path_is_an_error() {
        let e = Dataset::load(Path::new("/nonexistent/data.tsv")).unwrap_err();
        assert!(e.to_string().contains("no such file"), "{e}");
    }

    #[test]
    fn recbole_split_filters_sorts_and_renumbers() {
        // Users a,b,c,d,e each rate items 10,20,30,40,50 (5 each); user f rates only 10 and 99
        // (dropped: <5 interactions, and 99 then has <5 too). Timestamps reverse the order for user a,
        // and user b has a tie broken by item id.
        let mut inter = String::from("user_id:token\titem_id:token\trating:float\ttimestamp:float\n");
        for u in ["a", "b", "c", "d", "e"] {
            for (k, item) in [10, 20, 30, 40, 50].iter().enumerate() {
                let t = match u {
                    "a" => 100 - k as i64,
                    "b" if *item == 20 || *item == 30 => 7,
                    _ => k as i64,
                };
                inter.push_str(&format!("{u}\t{item}\t4\t{t}\n"));
            }
        }
        inter.push_str("f\t10\t3\t1\nf\t99\t3\t2\n");
        let items = "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n10\tAlpha\t1995\tComedy Drama\n20\tBeta\t\tAction\n";
        let d = Dataset::from_recbole(&inter, Path::new("x.inter"), Some((items, Path::new("x.item")))).unwrap();
        assert_eq!(d.num_items, 5);
        assert_eq!(d.users.len(), 5);
        let a = &d.users[0];
        assert_eq!(a.user, "a");
        // Reverse time: 50,40,30,20,10 → ids 5,4,3,2,1.
        assert_eq!((a.train.clone(), a.valid, a.test), (vec![5, 4, 3], 2, 1));
        let b = &d.users[1];
        // b: times 0,7,7,3,4 for 10,20,30,40,50 → 10(0) 40(3) 50(4) 20(7) 30(7)
        assert_eq!((b.train.clone(), b.valid, b.test), (vec![1, 4, 5], 2, 3));
        let cat = d.catalogue.unwrap();
        assert_eq!(cat.len(), 6);
        assert_eq!(cat[1].title, "Alpha");
        assert_eq!(cat[1].year, Some(1995));
        assert_eq!(cat[1].genres, vec!["Comedy", "Drama"]);
        assert_eq!(cat[2].year, None);
        assert_eq!(cat[3].title, "item 30");
    }

    #[test]
    fn recbole_bad_header_and_values() {
        let e = Dataset::from_recbole("user_id:token\titem_id:token\n", Path::new("x.inter"), None).unwrap_err();
        assert!(e.message.contains("timestamp"), "{e}");
        let e =
            Dataset::from_recbole("user_id\titem_id\ttimestamp\nu\tzz\t1\n", Path::new("x.inter"), None).unwrap_err();
        assert_eq!(e.line, Some(2));
    }
}
