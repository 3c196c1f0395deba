//! `seqdiff import`: a CSV/TSV of interactions (and optionally of items) → a folder the trainer and
//! `seqdiff export` read (`sequences.tsv` and `items.tsv`).

use anyhow::{Context, Result, bail};

use crate::ImportArgs;
use crate::import::{BadRows, Columns, k_core, read_interactions, read_items, write_split};

pub fn run(args: ImportArgs) -> Result<()> {
    let read = |p: &std::path::Path| std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()));
    let columns =
        Columns { user: args.user_column.clone(), item: args.item_column.clone(), time: args.time_column.clone() };
    let bad = if args.skip_bad_rows { BadRows::Skip } else { BadRows::Stop };
    let mut interactions = read_interactions(&read(&args.interactions)?, &args.interactions, &columns, bad)?;
    if interactions.bad_rows > 0 {
        eprintln!("skipped {} unreadable rows; the first:", interactions.bad_rows);
        for e in &interactions.first_bad {
            eprintln!("  {e}");
        }
    }
    if interactions.duplicates > 0 {
        eprintln!("dropped {} rows repeating an earlier one (same user, item and timestamp)", interactions.duplicates);
    }
    let (users_dropped, items_dropped) = k_core(&mut interactions.users, args.k_core);
    if args.k_core > 1 {
        eprintln!("{}-core: dropped {users_dropped} users and {items_dropped} items", args.k_core);
    }
    let catalogue = match &args.items {
        Some(path) => Some(read_items(
            &read(path)?,
            path,
            &args.items_item_column,
            &args.title_column,
            args.genres_column.as_deref(),
        )?),
        None => None,
    };
    let summary = write_split(&interactions.users, catalogue.as_ref(), &args.out)
        .with_context(|| format!("cannot write the split into {}", args.out.display()))?;
    if summary.users == 0 {
        bail!("no user has the three interactions a leave-one-out split needs (train, validation, test)");
    }
    eprintln!(
        "{}: {} users, {} items ({} users with fewer than 3 interactions left out); train with: seqdiff train --data {} --out runs/NAME",
        args.out.display(),
        summary.users,
        summary.items,
        summary.too_short,
        args.out.display()
    );
    Ok(())
}
