//! `seqdiff import`: a CSV of interactions with string ids and an items file become a folder that
//! `seqdiff train` and `seqdiff export` read, titles and all.

mod common;

use common::{seqdiff, stderr};

/// 40 users walking a cycle over 12 products with string ids, a few bad rows and one duplicate.
fn write_interactions(path: &std::path::Path) {
    let mut text = String::from("customer,product,ts,rating\n");
    for u in 0..40u32 {
        for k in 0..(5 + u % 4) {
            let item = (u * 3 + k) % 12;
            text.push_str(&format!("c{u},p-{item},{},5\n", 1_600_000_000 + k * 60));
        }
    }
    text.push_str("c1,p-1,not-a-time,5\n");
    text.push_str("c1,,1600000000,5\n");
    text.push_str("c0,p-0,1600000000,5\n");
    std::fs::write(path, text).unwrap();
}

#[test]
fn imported_interactions_train_and_export_with_their_titles() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("interactions.csv");
    write_interactions(&csv);
    let items = dir.path().join("products.csv");
    let mut catalogue = String::from("product,name,tags\n");
    for i in 0..12 {
        catalogue.push_str(&format!("p-{i},\"Product {i}, \"\"deluxe\"\"\",tag{}|all\n", i % 3));
    }
    std::fs::write(&items, catalogue).unwrap();
    let data = dir.path().join("data");
    let (c, i, d) = (csv.to_str().unwrap(), items.to_str().unwrap(), data.to_str().unwrap());
    let columns = ["--user-column", "customer", "--item-column", "product", "--time-column", "ts"];

    // Stopping at the first bad row names its file and line.
    let strict = seqdiff(&[&["import", "--interactions", c, "--out", d][..], &columns[..]].concat());
    assert!(!strict.status.success(), "{}", stderr(&strict));
    assert!(
        stderr(&strict).contains("interactions.csv:") && stderr(&strict).contains("'not-a-time' is not a number"),
        "{}",
        stderr(&strict)
    );

    let import = seqdiff(
        &[
            &["import", "--interactions", c, "--out", d, "--skip-bad-rows", "--items", i][..],
            &columns[..],
            &["--items-item-column", "product", "--title-column", "name", "--genres-column", "tags"][..],
        ]
        .concat(),
    );
    assert!(import.status.success(), "{}", stderr(&import));
    let log = stderr(&import);
    assert!(log.contains("skipped 2 unreadable rows") && log.contains("dropped 1 rows repeating"), "{log}");
    assert!(log.contains("40 users, 12 items"), "{log}");
    let items_tsv = std::fs::read_to_string(data.join("items.tsv")).unwrap();
    assert!(
        items_tsv.starts_with("item\toriginal_id\ttitle\tgenres\n1\tp-0\tProduct 0, \"deluxe\"\ttag0|all\n"),
        "{items_tsv}"
    );

    let run = dir.path().join("run");
    let r = run.to_str().unwrap();
    let train = seqdiff(&["train", "--data", d, "--out", r, "--epochs", "1", "--dim", "16", "--batch-size", "8"]);
    assert!(train.status.success(), "{}", stderr(&train));
    let bundle = dir.path().join("bundle");
    let export =
        seqdiff(&["export", "--model", r, "--data", d, "--out", bundle.to_str().unwrap(), "--tsne-iterations", "50"]);
    assert!(export.status.success(), "{}", stderr(&export));
    let catalogue: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("catalogue.json")).unwrap()).unwrap();
    assert_eq!(catalogue["items"][1]["title"], "Product 0, \"deluxe\"");
    assert_eq!(catalogue["items"][1]["genres"], serde_json::json!(["tag0", "all"]));
}
