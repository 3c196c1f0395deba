//! Developer commands: `cargo xtask <data|bundle|test|bench|serve|setup>`.
//! Each installs what it needs on a fresh machine (Debian, root, package registries only).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

mod synthetic;

const RECBOLE: &str = "recbole==1.2.1";
const WASM_BINDGEN: &str = "0.2.130";
const TRUNK: &str = "0.22.1";
const TRUNK_TOOLCHAIN: &str = "1.96.1";
const BINARYEN: &str = "binaryen@132.0.0";
const PLAYWRIGHT: &str = "playwright-core@1.64.1";
const AXE: &str = "axe-core@4.14.1";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = repo_root();
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("data") => data(&root),
        Some("bundle") => bundle(&root, &args[1..]),
        Some("test") => test(&root),
        Some("bench") => bench(&root, &args[1..]),
        Some("bench-page") => bench_page(&root, &args[1..]),
        Some("synthetic-bundle") => synthetic_bundle(&root, &SyntheticSize::parse(&args[1..])?).map(|_| ()),
        Some("fuzz") => fuzz(&args[1..]),
        Some("screenshots") => screenshots(&root),
        Some("dist") => dist(&root),
        Some("serve") => serve(&root),
        Some("setup") => setup(&root),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\
                 \n  data    fetch MovieLens-100K from the recbole {RECBOLE} wheel into data/ml-100k\
                 \n  bundle  train + sweep + export the default ML-100K bundle into public/models/ml-100k\
                 \n          (--design NAME: a published design's preset into public/models/ml-100k-NAME)\
                 \n  test    install the toolchain if missing, run every test (native, wasm in Chromium, page build, e2e)\
                 \n  bench   native latency per user and training samples/s (add --data PATH --model DIR)\
                 \n  fuzz    the URL-state and bundle-parser property tests at 1,000,000 cases each (or --cases N)\
                 \n  bench-page  page latency (CPU, WebGPU) in headless Chromium, first-result time, wasm size\
                 \n              (--items N: on a synthetic N-item bundle, with map frame and search timings;\
                 \n              --designs: the CPU rows on every shipped published-design bundle)\
                 \n  synthetic-bundle  a synthetic clustered dataset, imported, trained and exported into\
                 \n              target/bundles/synthetic-N (--items 12000 --users 20000 --epochs 2)\
                 \n  dist    build the site to publish into dist/ (relative URLs: any static host, any sub-path)\
                 \n  screenshots  rewrite the README's screenshots in docs/ (page build + headless Chromium)\
                 \n  serve   build and serve the page at http://127.0.0.1:8080\
                 \n  setup   install the toolchain only"
            );
            bail!("unknown or missing command")
        }
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("$ {cmd:?}");
    let status = cmd.status().with_context(|| format!("cannot start {cmd:?}"))?;
    if !status.success() {
        bail!("command failed ({status}): {cmd:?}");
    }
    Ok(())
}

fn has(program: &str, version_arg: &str, expect: &str) -> bool {
    Command::new(program)
        .arg(version_arg)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains(expect))
        .unwrap_or(false)
}

/// `cargo xtask data`: the shipped demo data comes from PyPI, never from ../shared.
fn data(root: &Path) -> Result<()> {
    let out = root.join("data/ml-100k");
    if out.join("ml-100k.inter").is_file() && out.join("ml-100k.item").is_file() {
        eprintln!("data/ml-100k already present");
        return Ok(());
    }
    let downloads = root.join("data/downloads");
    std::fs::create_dir_all(&downloads)?;
    run(Command::new("python3")
        .args(["-m", "pip", "download", "--no-deps", "--quiet", "-d"])
        .arg(&downloads)
        .arg(RECBOLE))?;
    let wheel = std::fs::read_dir(&downloads)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "whl") && p.to_string_lossy().contains("recbole"))
        .context("pip did not leave a recbole wheel")?;
    std::fs::create_dir_all(&out)?;
    // A wheel is a zip; Python's zipfile avoids another dependency.
    let script = "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nfor name in ('ml-100k.inter', 'ml-100k.item'):\n    data = z.read('recbole/dataset_example/ml-100k/' + name)\n    open(sys.argv[2] + '/' + name, 'wb').write(data)\n";
    run(Command::new("python3").arg("-c").arg(script).arg(&wheel).arg(&out))?;
    eprintln!("wrote {}", out.display());
    Ok(())
}

/// `cargo xtask bundle [--design NAME] [trainer options]`: the default model the page embeds
/// (public/models/ml-100k), or with `--design` a published design's preset (public/models/ml-100k-NAME;
/// docs/ARCHITECTURE.md, "Designs").
fn bundle(root: &Path, extra: &[String]) -> Result<()> {
    data(root)?;
    let design = extra.iter().position(|a| a == "--design").and_then(|i| extra.get(i + 1)).cloned();
    let (folder, name) = match design.as_deref() {
        None | Some("ours") => ("ml-100k".to_string(), "MovieLens-100K".to_string()),
        Some("diffurec") => ("ml-100k-diffurec".into(), "MovieLens-100K · DiffuRec preset".into()),
        Some("dreamrec") => ("ml-100k-dreamrec".into(), "MovieLens-100K · DreamRec preset".into()),
        Some("diffurecsys") => ("ml-100k-diffurecsys".into(), "MovieLens-100K · DiffuRecSys preset".into()),
        Some(other) => bail!("unknown design {other:?} (expected ours, diffurec, dreamrec or diffurecsys)"),
    };
    let run_dir = format!("runs/{folder}");
    if root.join(&run_dir).exists() {
        std::fs::remove_dir_all(root.join(&run_dir))?;
    }
    let seqdiff = |args: &[&str]| -> Result<()> {
        run(Command::new("cargo")
            .args(["run", "--profile", "fast", "-q", "-p", "seqdiff", "--bin", "seqdiff", "--"])
            .args(args))
    };
    // The trainer's defaults are the recipe (BENCHMARKS.md); extra arguments override them.
    let mut train = vec!["train", "--data", "data/ml-100k", "--out", &run_dir];
    train.extend(extra.iter().map(String::as_str));
    seqdiff(&train)?;
    // The grid with each cell's diversity and the plain baselines, for the page's trade-off charts. Ours:
    // start strengths as the trainer's own choice covers them (s = 1: from noise; 0.3: part-way), the best
    // cell becoming the default; a design keeps its own sampler and gets its trainer's grid.
    let starts: &[&str] = if matches!(design.as_deref(), None | Some("ours")) { &["--start", "1,0.3"] } else { &[] };
    let mut sweep = vec!["sweep", "--model", &run_dir, "--data", "data/ml-100k"];
    sweep.extend(starts);
    seqdiff(&sweep)?;
    let out = format!("public/models/{folder}");
    seqdiff(&["export", "--model", &run_dir, "--data", "data/ml-100k", "--out", &out, "--name", &name])?;
    Ok(())
}

/// Installs every tool the tests and the page build need, skipping what is already there.
fn setup(root: &Path) -> Result<()> {
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    let lavapipe = Path::new("/usr/share/vulkan/icd.d/lvp_icd.x86_64.json");
    if !Path::new("/usr/bin/chromium").exists() || !Path::new("/usr/bin/chromedriver").exists() || !lavapipe.exists() {
        run(Command::new("apt-get").args(["update", "-qq"]))?;
        // Mesa's lavapipe (software Vulkan) runs the trainer's `--device wgpu` test without a GPU.
        run(Command::new("apt-get")
            .args(["install", "-y", "-qq", "chromium", "chromium-driver", "mesa-vulkan-drivers", "libvulkan1"])
            .env("DEBIAN_FRONTEND", "noninteractive"))?;
    }
    if !has("wasm-bindgen", "--version", WASM_BINDGEN) {
        // `--locked` fails for this version (a locked dependency left the registry) (docs/ARCHITECTURE.md §7).
        run(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", WASM_BINDGEN]))?;
    }
    if !has("trunk", "--version", TRUNK) {
        // trunk 0.22.1 needs a newer rustc than the machine's default.
        run(Command::new("rustup").args(["toolchain", "install", TRUNK_TOOLCHAIN, "--profile", "minimal"]))?;
        run(Command::new("cargo").arg(format!("+{TRUNK_TOOLCHAIN}")).args([
            "install",
            "--locked",
            &format!("trunk@{TRUNK}"),
        ]))?;
    }
    let node_bin = root.join("node_modules/.bin");
    if !node_bin.join("wasm-opt").exists()
        || !root.join("node_modules/playwright-core").exists()
        || !root.join("node_modules/axe-core").exists()
    {
        // Debian's wasm-opt 108 breaks the module; binaryen 132 from npm works (docs/ARCHITECTURE.md §7).
        run(Command::new("npm").args(["install", "--no-save", "--no-audit", "--no-fund", BINARYEN, PLAYWRIGHT, AXE]))?;
    }
    Ok(())
}

/// PATH with npm's wasm-opt first and cargo's bin dir present.
fn tool_path(root: &Path) -> String {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    format!(
        "{}:{home}/.cargo/bin:{}",
        root.join("node_modules/.bin").display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Stages of `cargo xtask test`, in order. Only stages proven on a clean machine are listed.
const TEST_STAGES: &[&str] = &["native", "browser"];

/// `cargo xtask test`: every enabled test stage, from a fresh machine.
fn test(root: &Path) -> Result<()> {
    for stage in TEST_STAGES {
        match *stage {
            "native" => test_native(root)?,
            "browser" => test_browser(root)?,
            _ => unreachable!(),
        }
    }
    Ok(())
}

/// The model crate (sampler, training, data, metrics) and the CLI, natively; the CLI with its GPU
/// path (`--device wgpu`), checked against the CPU on lavapipe (`crates/seqdiff/tests/gpu.rs`).
fn test_native(root: &Path) -> Result<()> {
    setup(root)?;
    run(Command::new("cargo").args([
        "test",
        "--profile",
        "fast",
        "-p",
        "seqdiff-model",
        "-p",
        "seqdiff",
        "-p",
        "playground-state",
        "--features",
        "seqdiff-model/train,seqdiff/wgpu",
    ]))
}

/// wasm32 tests in headless Chromium (CPU and WebGPU), the Trunk release build and the e2e tests.
fn test_browser(root: &Path) -> Result<()> {
    setup(root)?;
    let path = tool_path(root);
    // The model crate compiled for wasm32 and run in headless Chromium (CPU and WebGPU).
    wasm_test(&path, &["-p", "seqdiff-model", "--no-default-features", "--features", "flex,webgpu", "--test", "web"])?;
    // The page's URL-state parser, in the browser that will run it.
    wasm_test(&path, &["-p", "playground-state", "--test", "url_state", "--test", "backend_choice"])?;
    // The worker's message codec against serde-wasm-bindgen: exact round trips, times printed.
    wasm_test(&path, &["-p", "inference-protocol", "--test", "codec", "--", "--nocapture"])?;
    // The page: Trunk release build, then end-to-end in Chromium, with a 12,000-item bundle built from
    // synthetic data through import, train and export (a small, one-epoch run: the page's scale is tested,
    // not the model).
    let big = synthetic_bundle(root, &SyntheticSize { items: 12_000, users: 3_000, epochs: 1 })?;
    build_site(&path)?;
    run(Command::new("node").args(["--test", "tests/"]).env("PATH", &path).env("SYNTHETIC_BUNDLE", big))?;
    Ok(())
}

/// `cargo test --release --target wasm32-unknown-unknown` with `args`, run by wasm-bindgen's test
/// runner in headless Chromium.
fn wasm_test(path: &str, args: &[&str]) -> Result<()> {
    run(Command::new("cargo")
        .args(["test", "--release", "--target", "wasm32-unknown-unknown"])
        .args(args)
        .env("PATH", path)
        .env("CHROMEDRIVER", "/usr/bin/chromedriver")
        .env("WASM_BINDGEN_TEST_TIMEOUT", "300"))
}

/// The page's Trunk release build into dist/, with the tools on `path`.
fn build_site(path: &str) -> Result<()> {
    run(Command::new("trunk").args(["build", "--release"]).env("PATH", path))
}

/// `cargo xtask serve`: the demo with the committed bundle; no training needed.
fn serve(root: &Path) -> Result<()> {
    setup(root)?;
    run(Command::new("trunk")
        // No auto-reload: its injected inline script is what the page's Content-Security-Policy forbids.
        .args(["serve", "--release", "--no-autoreload", "--address", "127.0.0.1", "--port", "8080"])
        .env("PATH", tool_path(root)))
}

/// `cargo xtask bench [--model DIR --data PATH]`: native numbers for BENCHMARKS.md.
fn bench(root: &Path, extra: &[String]) -> Result<()> {
    let _ = root;
    run(Command::new("cargo")
        .args(["run", "--profile", "fast", "-q", "-p", "seqdiff", "--bin", "seqdiff-bench", "--"])
        .args(extra))
}

/// `cargo xtask fuzz [--cases N]`: the property tests that `cargo xtask test` runs at 256 cases,
/// here at N (default 1,000,000) each, with their time (BENCHMARKS.md).
fn fuzz(extra: &[String]) -> Result<()> {
    let cases = match extra {
        [] => 1_000_000,
        [flag, n] if flag == "--cases" => {
            n.parse::<u64>().map_err(|_| anyhow::anyhow!("--cases takes a whole number, not {n:?}"))?
        }
        _ => bail!("usage: cargo xtask fuzz [--cases N]"),
    };
    let start = std::time::Instant::now();
    for (package, test, features) in
        [("playground-state", "url_fuzz", &[][..]), ("seqdiff-model", "bundle_fuzz", &["--features", "train"][..])]
    {
        let started = std::time::Instant::now();
        run(Command::new("cargo")
            .args(["test", "--profile", "fast", "-p", package, "--test", test])
            .args(features)
            .env("PROPTEST_CASES", cases.to_string()))?;
        eprintln!("fuzz: {package} {test}: {cases} cases per property in {:.0} s", started.elapsed().as_secs_f64());
    }
    eprintln!("fuzz: all properties held, {cases} cases each, {:.0} s in all", start.elapsed().as_secs_f64());
    Ok(())
}

/// `cargo xtask dist`: the folder to upload. Its URLs are relative (Trunk.toml), so it works from
/// any sub-path of any static host; the e2e tests serve it under one.
fn dist(root: &Path) -> Result<()> {
    setup(root)?;
    build_site(&tool_path(root))?;
    eprintln!("upload {} as it is (index.html, the wasm and js, models/)", root.join("dist").display());
    Ok(())
}

/// `cargo xtask screenshots`: rewrites the README's pictures in docs/ (the tests write theirs under target/).
fn screenshots(root: &Path) -> Result<()> {
    setup(root)?;
    let path = tool_path(root);
    build_site(&path)?;
    run(Command::new("node")
        .args(["--test", "--test-name-pattern=screenshots", "tests/map.test.mjs"])
        .env("PATH", &path)
        .env("SCREENSHOT_DIR", "docs"))
}

/// `cargo xtask bench-page [--items N]`: the page's numbers for BENCHMARKS.md (release build,
/// headless Chromium), on the shipped bundle or on a synthetic N-item one.
fn bench_page(root: &Path, extra: &[String]) -> Result<()> {
    if extra == ["--designs"] {
        return bench_page_designs(root);
    }
    let size = (!extra.is_empty()).then(|| SyntheticSize::parse(extra)).transpose()?;
    let bundle = size.as_ref().map(|s| synthetic_bundle(root, s)).transpose()?;
    setup(root)?;
    let path = tool_path(root);
    build_site(&path)?;
    let mut bench = Command::new("node");
    bench.arg("tests/page_bench.mjs").env("PATH", &path);
    if let Some(bundle) = bundle {
        bench.env("BENCH_BUNDLE", bundle);
    }
    run(&mut bench)
}

/// `cargo xtask bench-page --designs`: the page benchmark's CPU rows (S = 50 asked, each design's T at most;
/// K = 1 and K = 8) on every shipped published-design bundle (public/models/ml-100k-NAME), one after another.
fn bench_page_designs(root: &Path) -> Result<()> {
    setup(root)?;
    let path = tool_path(root);
    build_site(&path)?;
    for design in ["diffurec", "dreamrec", "diffurecsys"] {
        let bundle = root.join("public/models").join(format!("ml-100k-{design}"));
        eprintln!("== {design}");
        run(Command::new("node")
            .arg("tests/page_bench.mjs")
            .env("PATH", &path)
            .env("BENCH_BUNDLE", bundle)
            .env("BENCH_BACKENDS", "cpu")
            .env("SOAK_REQUESTS", "20"))?;
    }
    Ok(())
}

/// The size of a synthetic bundle: `--items N --users U --epochs E`.
struct SyntheticSize {
    items: usize,
    users: usize,
    epochs: usize,
}

impl SyntheticSize {
    fn parse(args: &[String]) -> Result<SyntheticSize> {
        let mut size = SyntheticSize { items: 12_000, users: 20_000, epochs: 2 };
        for pair in args.chunks(2) {
            let value = || -> Result<usize> {
                let v = pair.get(1).ok_or_else(|| anyhow::anyhow!("{} needs a number", pair[0]))?;
                v.parse().map_err(|_| anyhow::anyhow!("{} takes a whole number, not {v:?}", pair[0]))
            };
            match pair[0].as_str() {
                "--items" => size.items = value()?,
                "--users" => size.users = value()?,
                "--epochs" => size.epochs = value()?,
                other => bail!("unknown option {other:?} (--items, --users, --epochs)"),
            }
        }
        if size.items < TOPIC_MIN_ITEMS || size.users < 10 || size.epochs == 0 {
            bail!("a synthetic bundle needs at least {TOPIC_MIN_ITEMS} items, 10 users and 1 epoch");
        }
        Ok(size)
    }

    fn name(&self) -> String {
        format!("synthetic-{}", self.items)
    }
}

const TOPIC_MIN_ITEMS: usize = 200;

/// `cargo xtask synthetic-bundle [--items N --users U --epochs E]`: the synthetic data
/// (`xtask/src/synthetic.rs`) through the user's own path: `seqdiff import`, `train`, `export`, into
/// target/bundles/synthetic-N (kept out of the repository; rebuilt when its size changes).
fn synthetic_bundle(root: &Path, size: &SyntheticSize) -> Result<PathBuf> {
    let name = size.name();
    let bundle = root.join("target/bundles").join(&name);
    let stamp = format!("{} items, {} users, {} epochs", size.items, size.users, size.epochs);
    let stamp_file = bundle.join("built-from.txt");
    if std::fs::read_to_string(&stamp_file).is_ok_and(|s| s == stamp) && bundle.join("manifest.json").is_file() {
        eprintln!("{} is up to date ({stamp})", bundle.display());
        return Ok(bundle);
    }
    let data = root.join("data").join(&name);
    let run_dir = root.join("runs").join(&name);
    for stale in [&data, &run_dir, &bundle] {
        if stale.exists() {
            std::fs::remove_dir_all(stale)?;
        }
    }
    synthetic::write(&data.join("raw"), size.items, size.users, 7)?;
    let seqdiff = |args: &[&str]| -> Result<()> {
        run(Command::new("cargo")
            .args(["run", "--profile", "fast", "-q", "-p", "seqdiff", "--bin", "seqdiff", "--"])
            .args(args))
    };
    let s = |p: &Path| p.to_string_lossy().into_owned();
    seqdiff(&[
        "import",
        "--interactions",
        &s(&data.join("raw/interactions.csv")),
        "--items",
        &s(&data.join("raw/items.csv")),
        "--genres-column",
        "genres",
        "--out",
        &s(&data),
    ])?;
    let epochs = size.epochs.to_string();
    seqdiff(&["train", "--data", &s(&data), "--out", &s(&run_dir), "--epochs", &epochs])?;
    let title = format!("Synthetic {} items", size.items);
    seqdiff(&["export", "--model", &s(&run_dir), "--data", &s(&data), "--out", &s(&bundle), "--name", &title])?;
    std::fs::write(&stamp_file, stamp)?;
    Ok(bundle)
}
