//! `seqdiff import`: plain interactions (`user, item, timestamp`, CSV or TSV, ids as any strings)
//! and an optional items file (`item, title[, genres]`) → the leave-one-out split the trainer reads
//! (`sequences.tsv`) and the catalogue beside it (`items.tsv`: new id, original id, title, genres).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use seqdiff_model::data::{DataError, MAX_ITEM_ID};

/// Longest id or title accepted: a longer one is a bad row (a stray 10 MB field is not an id).
pub const MAX_ID_BYTES: usize = 256;
pub const MAX_TITLE_CHARS: usize = 1_000;

/// Fewest interactions a user needs: one to train on, one for validation, one for test.
const MIN_USER_INTERACTIONS: usize = 3;

/// How the interactions file is read.
#[derive(Clone, Debug)]
pub struct Columns {
    pub user: String,
    pub item: String,
    pub time: String,
}

/// What to do with a row that cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadRows {
    /// Stop at the first, naming its file and line.
    Stop,
    /// Skip each, count them and report the first few.
    Skip,
}

/// One user's items in time order (original ids).
#[derive(Clone, Debug, PartialEq)]
pub struct UserItems {
    pub user: String,
    pub items: Vec<String>,
}

/// The interactions as read: users in order of first appearance, each user's items ordered by time
/// (ties by input order), and what was left out.
#[derive(Debug, Default)]
pub struct Interactions {
    pub users: Vec<UserItems>,
    /// Rows skipped as unreadable (with `BadRows::Skip`): how many, and the first few reasons.
    pub bad_rows: usize,
    pub first_bad: Vec<DataError>,
    /// Rows equal to an earlier one (same user, item and timestamp), dropped.
    pub duplicates: usize,
}

impl Interactions {
    /// A row that cannot be read: the error itself when stopping, else counted (the first few kept).
    fn reject(&mut self, bad: BadRows, e: DataError) -> Result<(), DataError> {
        match bad {
            BadRows::Stop => Err(e),
            BadRows::Skip => {
                self.bad_rows += 1;
                if self.first_bad.len() < 5 {
                    self.first_bad.push(e);
                }
                Ok(())
            }
        }
    }
}

/// A CSV reader for `path`: tab-separated for `.tsv`/`.tab`, else comma-separated; quoted fields
/// (titles with commas, quotes or line breaks) are read as CSV quotes them.
fn reader<'a>(text: &'a str, path: &Path) -> csv::Reader<&'a [u8]> {
    let tab = path.extension().is_some_and(|x| x == "tsv" || x == "tab");
    csv::ReaderBuilder::new().delimiter(if tab { b'\t' } else { b',' }).flexible(true).from_reader(text.as_bytes())
}

fn column(headers: &csv::StringRecord, name: &str, path: &Path) -> Result<usize, DataError> {
    headers.iter().position(|h| h.trim() == name).ok_or_else(|| {
        let found: Vec<&str> = headers.iter().collect();
        DataError::new(path, Some(1), format!("no column '{name}' in the header (found: {})", found.join(", ")))
    })
}

/// A readable id: non-empty, at most `MAX_ID_BYTES`, no tab or line break (the split is TSV).
fn id(field: Option<&str>, what: &str) -> Result<String, String> {
    let v = field.map(str::trim).unwrap_or("");
    if v.is_empty() {
        Err(format!("{what} is missing"))
    } else if v.len() > MAX_ID_BYTES {
        Err(format!("{what} is {} bytes long (at most {MAX_ID_BYTES})", v.len()))
    } else if v.contains(['\t', '\n', '\r']) {
        Err(format!("{what} contains a tab or a line break"))
    } else {
        Ok(v.to_string())
    }
}

/// Reads the interactions. Bad rows stop the import or are skipped (counted), as `bad` says.
pub fn read_interactions(text: &str, path: &Path, columns: &Columns, bad: BadRows) -> Result<Interactions, DataError> {
    let mut rdr = reader(text, path);
    let headers = rdr.headers().map_err(|e| DataError::new(path, Some(1), format!("unreadable header: {e}")))?.clone();
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(DataError::new(path, None, "empty file: expected a header line and interactions"));
    }
    let (u, i, t) = (
        column(&headers, &columns.user, path)?,
        column(&headers, &columns.item, path)?,
        column(&headers, &columns.time, path)?,
    );
    let mut out = Interactions::default();
    // (user index, time, input order, item)
    let mut events: Vec<(usize, f64, usize, String)> = Vec::new();
    let mut user_index: HashMap<String, usize> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut seen: HashSet<(usize, String, u64)> = HashSet::new();
    for (order, record) in rdr.records().enumerate() {
        let (line, row) = match record {
            Ok(r) => (r.position().map_or(order + 2, |p| p.line() as usize), r),
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize);
                out.reject(bad, DataError::new(path, line, format!("unreadable row: {e}")))?;
                continue;
            }
        };
        if row.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let parsed = (|| -> Result<(String, String, f64), String> {
            let user = id(row.get(u), &columns.user)?;
            let item = id(row.get(i), &columns.item)?;
            let time = row.get(t).map(str::trim).unwrap_or("");
            if time.is_empty() {
                return Err(format!("{} is missing", columns.time));
            }
            let time: f64 = time.parse().ok().filter(|v: &f64| v.is_finite()).ok_or_else(|| {
                format!("{} '{}' is not a number", columns.time, time.chars().take(40).collect::<String>())
            })?;
            Ok((user, item, time))
        })();
        let (user, item, time) = match parsed {
            Ok(v) => v,
            Err(message) => {
                out.reject(bad, DataError::new(path, Some(line), message))?;
                continue;
            }
        };
        let next = names.len();
        let index = *user_index.entry(user.clone()).or_insert(next);
        if index == next {
            names.push(user);
        }
        if !seen.insert((index, item.clone(), time.to_bits())) {
            out.duplicates += 1;
            continue;
        }
        events.push((index, time, order, item));
    }
    // Each user's items by time, ties by input order.
    events.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut users: Vec<UserItems> = names.into_iter().map(|user| UserItems { user, items: Vec::new() }).collect();
    for (index, _, _, item) in events {
        users[index].items.push(item);
    }
    out.users = users;
    Ok(out)
}

/// Keeps users and items with at least `k` interactions, repeated until none drops below (0 or 1:
/// nothing to do). Returns how many users and items it removed.
pub fn k_core(users: &mut Vec<UserItems>, k: usize) -> (usize, usize) {
    let (users_before, items_before) = (users.len(), distinct_items(users));
    if k > 1 {
        loop {
            let mut per_item: HashMap<&str, usize> = HashMap::new();
            for u in users.iter() {
                for i in &u.items {
                    *per_item.entry(i).or_default() += 1;
                }
            }
            let rare: HashSet<String> =
                per_item.into_iter().filter(|&(_, n)| n < k).map(|(i, _)| i.to_string()).collect();
            let short = users.iter().any(|u| u.items.len() < k);
            if rare.is_empty() && !short {
                break;
            }
            for u in users.iter_mut() {
                u.items.retain(|i| !rare.contains(i));
            }
            users.retain(|u| u.items.len() >= k);
        }
    }
    (users_before - users.len(), items_before - distinct_items(users))
}

fn distinct_items(users: &[UserItems]) -> usize {
    users.iter().flat_map(|u| &u.items).collect::<HashSet<_>>().len()
}

/// Titles and genres by original item id, from an items file with an item column, a title column
/// and optionally a genres column (genres separated by `|`).
pub fn read_items(
    text: &str,
    path: &Path,
    item_column: &str,
    title_column: &str,
    genres_column: Option<&str>,
) -> Result<HashMap<String, (String, Vec<String>)>, DataError> {
    let mut rdr = reader(text, path);
    let headers = rdr.headers().map_err(|e| DataError::new(path, Some(1), format!("unreadable header: {e}")))?.clone();
    let (i, t) = (column(&headers, item_column, path)?, column(&headers, title_column, path)?);
    let g = genres_column.map(|name| column(&headers, name, path)).transpose()?;
    let mut out = HashMap::new();
    for (order, record) in rdr.records().enumerate() {
        let row = record.map_err(|e| {
            DataError::new(path, e.position().map(|p| p.line() as usize), format!("unreadable row: {e}"))
        })?;
        let line = row.position().map_or(order + 2, |p| p.line() as usize);
        if row.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let item = id(row.get(i), item_column).map_err(|m| DataError::new(path, Some(line), m))?;
        let title: String = row.get(t).unwrap_or("").split(['\t', '\n', '\r']).collect::<Vec<_>>().join(" ");
        if title.chars().count() > MAX_TITLE_CHARS {
            return Err(DataError::new(path, Some(line), format!("title is longer than {MAX_TITLE_CHARS} characters")));
        }
        let genres = g
            .and_then(|g| row.get(g))
            .map(|s| {
                s.split('|').map(str::trim).filter(|s| !s.is_empty() && !s.contains('\t')).map(String::from).collect()
            })
            .unwrap_or_default();
        out.insert(item, (title.trim().to_string(), genres));
    }
    Ok(out)
}

/// The split and catalogue as the trainer reads them: `sequences.tsv` (user, train, valid, test;
/// items renumbered 1..N in order of first appearance) and `items.tsv` (new id, original id, title,
/// genres). Users with fewer than three interactions are left out; returns how many.
pub fn write_split(
    users: &[UserItems],
    catalogue: Option<&HashMap<String, (String, Vec<String>)>>,
    out: &Path,
) -> std::io::Result<SplitSummary> {
    let mut new_id: HashMap<&str, u32> = HashMap::new();
    let mut originals: Vec<&str> = Vec::new();
    let mut sequences = String::from("user\ttrain\tvalid\ttest\n");
    let mut kept = 0;
    for u in users.iter().filter(|u| u.items.len() >= MIN_USER_INTERACTIONS) {
        let ids: Vec<u32> = u
            .items
            .iter()
            .map(|i| {
                let next = originals.len() as u32 + 1;
                *new_id.entry(i).or_insert_with(|| {
                    originals.push(i);
                    next
                })
            })
            .collect();
        let join = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(" ");
        let n = ids.len();
        sequences.push_str(&format!("{}\t{}\t{}\t{}\n", u.user, join(&ids[..n - 2]), ids[n - 2], ids[n - 1]));
        kept += 1;
    }
    if originals.len() > MAX_ITEM_ID as usize {
        return Err(std::io::Error::other(format!("{} items: more than the {MAX_ITEM_ID} supported", originals.len())));
    }
    let mut items = String::from("item\toriginal_id\ttitle\tgenres\n");
    for (k, original) in originals.iter().enumerate() {
        let (title, genres) =
            catalogue.and_then(|c| c.get(*original)).cloned().unwrap_or_else(|| (original.to_string(), vec![]));
        items.push_str(&format!("{}\t{original}\t{title}\t{}\n", k + 1, genres.join("|")));
    }
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("sequences.tsv"), sequences)?;
    std::fs::write(out.join("items.tsv"), items)?;
    Ok(SplitSummary { users: kept, too_short: users.len() - kept, items: originals.len() })
}

/// What `write_split` wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SplitSummary {
    pub users: usize,
    /// Users left out for having fewer than three interactions.
    pub too_short: usize,
    pub items: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Columns {
        Columns { user: "user".into(), item: "item".into(), time: "timestamp".into() }
    }

    fn read(text: &str, bad: BadRows) -> Result<Interactions, DataError> {
        read_interactions(text, Path::new("x.csv"), &columns(), bad)
    }

    #[test]
    fn items_are_ordered_by_time_with_ties_in_input_order_and_duplicates_dropped() {
        let text = "user,item,timestamp\nu1,b,5\nu2,a,1\nu1,a,3\nu1,c,5\nu1,b,5\n";
        let got = read(text, BadRows::Stop).unwrap();
        assert_eq!(got.users[0], UserItems { user: "u1".into(), items: vec!["a".into(), "b".into(), "c".into()] });
        assert_eq!(got.users[1].items, vec!["a".to_string()]);
        assert_eq!(got.duplicates, 1);
    }

    #[test]
    fn bad_rows_name_their_line_and_stop_or_are_counted() {
        let text = "user,item,timestamp\nu1,a,1\nu1,b,\nu1,c,yesterday\n,d,4\nu1,e,5\n";
        let stop = read(text, BadRows::Stop).unwrap_err();
        assert_eq!((stop.line, stop.message.as_str()), (Some(3), "timestamp is missing"));
        let skip = read(text, BadRows::Skip).unwrap();
        assert_eq!(skip.bad_rows, 3);
        assert_eq!(skip.first_bad[1].to_string(), "x.csv:4: timestamp 'yesterday' is not a number");
        assert_eq!(skip.first_bad[2].to_string(), "x.csv:5: user is missing");
        assert_eq!(skip.users[0].items, vec!["a".to_string(), "e".to_string()]);
    }

    #[test]
    fn an_empty_file_a_missing_column_and_a_huge_field_are_clear_errors() {
        assert!(read("", BadRows::Skip).unwrap_err().message.contains("empty file"));
        let e = read("user,item,time\nu,a,1\n", BadRows::Skip).unwrap_err();
        assert_eq!(e.to_string(), "x.csv:1: no column 'timestamp' in the header (found: user, item, time)");
        let huge = format!("user,item,timestamp\nu1,{},1\n", "x".repeat(10 << 20));
        let e = read(&huge, BadRows::Stop).unwrap_err();
        assert_eq!((e.line, e.message.contains("at most 256")), (Some(2), true));
    }

    #[test]
    fn k_core_repeats_until_stable() {
        let u = |name: &str, items: &[&str]| UserItems {
            user: name.into(),
            items: items.iter().map(|s| s.to_string()).collect(),
        };
        // Item z is rare; dropping it leaves u3 with one item, which then drops, and so on.
        let mut users = vec![u("u1", &["a", "b"]), u("u2", &["a", "b"]), u("u3", &["a", "z"])];
        assert_eq!(k_core(&mut users, 2), (1, 1));
        assert_eq!(users, vec![u("u1", &["a", "b"]), u("u2", &["a", "b"])]);
    }

    #[test]
    fn quoted_and_unicode_titles_survive_into_the_catalogue() {
        let text = "item,title,genres\nm1,\"Amélie, Le Fabuleux Destin d'\"\"A\"\"\",Comedy|Romance\nm2,東京物語,\n";
        let got = read_items(text, Path::new("items.csv"), "item", "title", Some("genres")).unwrap();
        assert_eq!(
            got["m1"],
            ("Amélie, Le Fabuleux Destin d'\"A\"".to_string(), vec!["Comedy".into(), "Romance".into()])
        );
        assert_eq!(got["m2"], ("東京物語".to_string(), vec![]));
    }

    #[test]
    fn the_split_renumbers_items_and_leaves_short_users_out() {
        let dir = std::env::temp_dir().join(format!("seqdiff-import-{}", std::process::id()));
        let users = vec![
            UserItems { user: "alice".into(), items: vec!["x".into(), "y".into(), "z".into(), "x".into()] },
            UserItems { user: "bob".into(), items: vec!["z".into()] },
        ];
        let titles = HashMap::from([("y".to_string(), ("Why".to_string(), vec!["Drama".to_string()]))]);
        let summary = write_split(&users, Some(&titles), &dir).unwrap();
        assert_eq!(summary, SplitSummary { users: 1, too_short: 1, items: 3 });
        let sequences = std::fs::read_to_string(dir.join("sequences.tsv")).unwrap();
        assert_eq!(sequences, "user\ttrain\tvalid\ttest\nalice\t1 2\t3\t1\n");
        let items = std::fs::read_to_string(dir.join("items.tsv")).unwrap();
        assert_eq!(items, "item\toriginal_id\ttitle\tgenres\n1\tx\tx\t\n2\ty\tWhy\tDrama\n3\tz\tz\t\n");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
