//! The whole page state lives in the URL query string, so a copied link reproduces what was on
//! screen. Parsing never fails: anything unknown, malformed or out of range is dropped or clamped,
//! and every such decision comes back as a human-readable notice for the page's alert region.

use std::fmt::Write;

/// The bundle (folder under `public/models/`) a link that names none, or one the page cannot open, gets.
pub const DEFAULT_DATASET: &str = "ml-100k";
/// A model opened from disk is `local:FOLDER` in the page's link. That is no folder name, so the
/// link opened elsewhere gets the default bundle and a notice that says why.
pub const LOCAL_PREFIX: &str = "local:";
/// Longest bundle folder name a link may give.
pub const DATASET_NAME_MAX: usize = 64;

pub const GUIDANCE_MIN: f64 = -1.0;
pub const GUIDANCE_MAX: f64 = 8.0;
pub const GUIDANCE_STEP: f64 = 0.5;
pub const ETA_STEP: f64 = 0.05;
/// Start strength s: the chain starts at s·(T−1) from the encoder's prediction noised to that level.
pub const START_MIN: f64 = 0.05;
pub const START_STEP: f64 = 0.05;
pub const SEEDS_MAX: usize = 8;
/// Seeds stay within what a JavaScript number and an `<input type=number>` hold exactly.
pub const SEED_MAX: u64 = u32::MAX as u64;
/// Raw values quoted in notices are cut to this many characters.
const QUOTE_MAX: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendChoice {
    /// Start on the CPU, time WebGPU in the background, keep the faster.
    Auto,
    WebGpu,
    Cpu,
}

impl BackendChoice {
    pub const ALL: [BackendChoice; 3] = [BackendChoice::Auto, BackendChoice::WebGpu, BackendChoice::Cpu];

    /// The name used in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            BackendChoice::Auto => "auto",
            BackendChoice::WebGpu => "webgpu",
            BackendChoice::Cpu => "cpu",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BackendChoice::Auto => "Auto",
            BackendChoice::WebGpu => "WebGPU",
            BackendChoice::Cpu => "CPU",
        }
    }

    pub fn parse(s: &str) -> Option<BackendChoice> {
        BackendChoice::ALL.into_iter().find(|b| b.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// What the loaded bundle allows.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Item ids are 1..=num_items.
    pub num_items: usize,
    /// Longest history kept (the model's window).
    pub max_history: usize,
    /// Largest steps value (the training chain's T).
    pub max_steps: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PageState {
    pub dataset: String,
    /// Item ids, oldest first, no duplicates.
    pub history: Vec<u32>,
    pub guidance: f64,
    pub steps: usize,
    /// Seeds in the ensemble (K).
    pub seeds: usize,
    pub eta: f64,
    /// Start strength s ∈ [START_MIN, 1] (1 = from pure noise).
    pub start: f64,
    pub seed: u64,
    pub mask_history: bool,
    /// Take the last history item out of the model's input and treat it as the answer.
    pub hold_out: bool,
    pub backend: BackendChoice,
    /// Compare mode: another model of the same dataset (a `MODELS` name) answers the same history
    /// and controls beside this one.
    pub compare: Option<String>,
}

/// The models a hosted dataset may have (`model=NAME`): ours, and each published design's preset
/// (docs/ARCHITECTURE.md, "Designs"), whose bundle for dataset D is the folder `D-NAME`.
pub const MODELS: [(&str, &str); 4] =
    [("ours", "Ours"), ("diffurec", "DiffuRec"), ("dreamrec", "DreamRec"), ("diffurecsys", "DiffuRecSys")];

/// A bundle folder as (dataset, model): `ml-100k-dreamrec` → (`ml-100k`, `dreamrec`), `ml-100k` → (`ml-100k`, `ours`).
pub fn split_model(folder: &str) -> (&str, &str) {
    for (model, _) in &MODELS[1..] {
        if let Some(base) = folder.strip_suffix(model).and_then(|b| b.strip_suffix('-')).filter(|b| !b.is_empty()) {
            return (base, model);
        }
    }
    (folder, MODELS[0].0)
}

/// The folder of `model` for `dataset` (the inverse of `split_model`).
pub fn model_folder(dataset: &str, model: &str) -> String {
    if model == MODELS[0].0 { dataset.to_string() } else { format!("{dataset}-{model}") }
}

/// What a query asks to open, before any fallback: None when it names neither a dataset nor a model; else
/// the folder as written (dataset, or the default, with the model's suffix), or why it cannot be one.
fn requested_folder(query: &str) -> Option<(String, Result<String, String>)> {
    let pairs = pairs(query);
    let last = |key: &str| pairs.iter().filter(|(k, _)| k == key).last().map(|(_, v)| v.trim().to_string());
    let (dataset, model) = (last("dataset"), last("model"));
    if dataset.is_none() && model.is_none() {
        return None;
    }
    let dataset = dataset.unwrap_or_else(|| DEFAULT_DATASET.to_string());
    let model = model.unwrap_or_else(|| MODELS[0].0.to_string());
    let written = model_folder(&dataset, &model);
    let folder = if MODELS.iter().any(|(m, _)| *m == model) {
        hosted_dataset(&dataset).and_then(|d| hosted_dataset(&model_folder(&d, &model)))
    } else {
        Err(format!("unknown model {} (expected ours, diffurec, dreamrec or diffurecsys)", quote(&model)))
    };
    Some((written, folder))
}

/// The bundle folder to open for a query (decided before any bundle loads): the one its `dataset` and
/// `model` name if that can be a folder under `models/` on this site, else the default. What the page
/// says about a name it could not use comes from `PageState::from_query`, once the loaded bundle is known.
pub fn dataset_from_query(query: &str) -> String {
    match requested_folder(query) {
        Some((_, Ok(folder))) => folder,
        _ => DEFAULT_DATASET.to_string(),
    }
}

/// `v` if it can name a bundle folder under `models/`: 1–64 ASCII letters, digits, `-` and `_`,
/// starting with a letter or digit (so no path, no dot, no markup ever reaches a URL).
pub fn hosted_dataset(v: &str) -> Result<String, String> {
    if let Some(folder) = v.strip_prefix(LOCAL_PREFIX) {
        return Err(format!(
            "dataset {}: this link was made with a model opened from disk, which only the browser that opened it has",
            quote(folder)
        ));
    }
    let valid = !v.is_empty()
        && v.len() <= DATASET_NAME_MAX
        && v.starts_with(|c: char| c.is_ascii_alphanumeric())
        && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(v.to_string())
    } else {
        Err(format!("unknown dataset {}: not a bundle folder name (letters, digits, - and _)", quote(v)))
    }
}

fn pairs(query: &str) -> Vec<(String, String)> {
    let query = query.strip_prefix('?').unwrap_or(query);
    form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// A raw value as it may appear in a notice: short, one line, quoted. The page renders notices as
/// text, never as HTML, so markup in it is shown, not run.
fn quote(raw: &str) -> String {
    let mut s: String = raw.chars().take(QUOTE_MAX).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if raw.chars().count() > QUOTE_MAX {
        s.push('…');
    }
    format!("\"{s}\"")
}

/// Shortest decimal form, no "-0".
fn number(v: f64) -> String {
    if v == 0.0 { "0".into() } else { format!("{v}") }
}

/// Nearest multiple of `step` (a unit fraction such as 0.5 or 0.05), computed as k/n so that
/// 0.35 comes out as the same f64 a user types.
pub fn snap(v: f64, step: f64) -> f64 {
    let per_unit = (1.0 / step).round();
    (v * per_unit).round() / per_unit
}

impl PageState {
    /// `dataset=NAME` (and `model=NAME` for a design's folder), encoded (a model opened from disk is
    /// named after its folder, which may hold any character): the query of a bundle's own defaults.
    pub fn dataset_query(dataset: &str) -> String {
        let encode = |v: &str| form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
        match split_model(dataset) {
            (base, model) if model != MODELS[0].0 && !dataset.starts_with(LOCAL_PREFIX) => {
                format!("dataset={}&model={model}", encode(base))
            }
            _ => format!("dataset={}", encode(dataset)),
        }
    }

    /// The query string (without "?") that `from_query` turns back into this state.
    pub fn to_query(&self) -> String {
        let history: Vec<String> = self.history.iter().map(u32::to_string).collect();
        let mut q = String::new();
        let _ = write!(
            q,
            "{}&history={}&guidance={}&steps={}&seeds={}&eta={}&start={}&seed={}&mask={}&holdout={}&backend={}",
            Self::dataset_query(&self.dataset),
            history.join(","),
            number(self.guidance),
            self.steps,
            self.seeds,
            number(self.eta),
            number(self.start),
            self.seed,
            u8::from(self.mask_history),
            u8::from(self.hold_out),
            self.backend.as_str()
        );
        if let Some(other) = &self.compare {
            let _ = write!(q, "&compare={other}");
        }
        q
    }

    /// Reads a query over `defaults` (fields it lacks keep their default). Never fails; returns
    /// the notices for everything it ignored, clamped or dropped.
    pub fn from_query(query: &str, defaults: &PageState, limits: &Limits) -> (PageState, Vec<String>) {
        let mut state = defaults.clone();
        let mut notices = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for (key, value) in pairs(query) {
            if seen.contains(&key) {
                notices.push(format!("field {} appears more than once; the last one counts", quote(&key)));
            } else {
                seen.push(key.clone());
            }
            let v = value.trim();
            match key.as_str() {
                // The bundle was chosen before it loaded (`dataset_from_query`): the loaded one counts.
                "dataset" | "model" => {}
                "history" => state.history = parse_history(v, limits, &mut notices),
                "guidance" => {
                    state.guidance = parse_float(
                        v,
                        "guidance",
                        GUIDANCE_MIN,
                        GUIDANCE_MAX,
                        GUIDANCE_STEP,
                        defaults.guidance,
                        &mut notices,
                    )
                }
                "eta" => state.eta = parse_float(v, "eta", 0.0, 1.0, ETA_STEP, defaults.eta, &mut notices),
                "start" => {
                    state.start = parse_float(v, "start", START_MIN, 1.0, START_STEP, defaults.start, &mut notices)
                }
                "steps" => {
                    state.steps =
                        parse_int(v, "steps", 0, limits.max_steps as u64, defaults.steps as u64, &mut notices) as usize
                }
                "seeds" => {
                    state.seeds =
                        parse_int(v, "seeds", 1, SEEDS_MAX as u64, defaults.seeds as u64, &mut notices) as usize
                }
                "seed" => state.seed = parse_int(v, "seed", 0, SEED_MAX, defaults.seed, &mut notices),
                "mask" => state.mask_history = parse_bool(v, "mask", defaults.mask_history, &mut notices),
                "holdout" => state.hold_out = parse_bool(v, "holdout", defaults.hold_out, &mut notices),
                "compare" => state.compare = parse_compare(v, &defaults.dataset, &mut notices),
                "backend" => match BackendChoice::parse(v) {
                    Some(b) => state.backend = b,
                    None => notices.push(format!(
                        "unknown backend {}; using {} (expected auto, webgpu or cpu)",
                        quote(v),
                        defaults.backend.as_str()
                    )),
                },
                _ => notices.push(format!("ignored unknown field {}", quote(&key))),
            }
        }
        // A link made for another bundle: its history names another catalogue's items.
        if let Some((v, folder)) = requested_folder(query).filter(|(v, _)| *v != defaults.dataset) {
            let why = folder.map_or_else(
                |e| e,
                |name| format!("dataset {}: no model bundle models/{name}/ on this site", quote(&name)),
            );
            notices.push(format!("{why}; showing {}", defaults.dataset));
            if seen.iter().any(|k| k == "history") {
                notices.push(format!("history: the link's items belong to {}; showing a preset instead", quote(&v)));
                state.history = defaults.history.clone();
            }
        }
        (state, notices)
    }

    /// The model's input and, with hold-out on (and at least two items), the held-out answer.
    pub fn model_input(&self) -> (&[u32], Option<u32>) {
        match self.history.split_last() {
            Some((&last, rest)) if self.hold_out && !rest.is_empty() => (rest, Some(last)),
            _ => (&self.history, None),
        }
    }

    /// Appends an item; one already in the history moves to the end (it was watched again, last).
    /// The oldest item drops out when the history is full.
    pub fn add_item(&mut self, item: u32, limits: &Limits) {
        self.history.retain(|&i| i != item);
        self.history.push(item);
        let excess = self.history.len().saturating_sub(limits.max_history);
        self.history.drain(..excess);
    }

    pub fn remove_at(&mut self, index: usize) {
        if index < self.history.len() {
            self.history.remove(index);
        }
    }

    /// Swaps the item at `index` with its older neighbour (no-op at the top).
    pub fn move_earlier(&mut self, index: usize) {
        if index > 0 && index < self.history.len() {
            self.history.swap(index - 1, index);
        }
    }

    /// Swaps the item at `index` with its newer neighbour (no-op at the end).
    pub fn move_later(&mut self, index: usize) {
        if index + 1 < self.history.len() {
            self.history.swap(index, index + 1);
        }
    }
}

/// The model to compare with: one of `MODELS` other than the one shown, on a hosted dataset (a model
/// opened from disk has no siblings); empty or "none" turns compare mode off.
fn parse_compare(v: &str, dataset: &str, notices: &mut Vec<String>) -> Option<String> {
    if v.is_empty() || v.eq_ignore_ascii_case("none") {
        return None;
    }
    let shown = split_model(dataset).1;
    let why = if !MODELS.iter().any(|(m, _)| *m == v) {
        format!("unknown model {} (expected ours, diffurec, dreamrec or diffurecsys)", quote(v))
    } else if v == shown {
        format!("{} is the model shown", quote(v))
    } else if dataset.starts_with(LOCAL_PREFIX) {
        "a model opened from disk has no other models to compare with".to_string()
    } else {
        return Some(v.to_string());
    };
    notices.push(format!("compare: {why}; compare mode is off"));
    None
}

fn parse_history(v: &str, limits: &Limits, notices: &mut Vec<String>) -> Vec<u32> {
    let mut items: Vec<u32> = Vec::new();
    let (mut malformed, mut unknown, mut repeated) = (Vec::new(), Vec::new(), 0usize);
    for token in v.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        match token.parse::<u64>() {
            Ok(id) if id >= 1 && id <= limits.num_items as u64 => {
                let id = id as u32;
                if items.contains(&id) {
                    repeated += 1;
                } else {
                    items.push(id);
                }
            }
            Ok(_) => unknown.push(token.to_string()),
            Err(_) => malformed.push(token.to_string()),
        }
    }
    let sample = |list: &[String]| list.iter().take(3).map(|t| quote(t)).collect::<Vec<_>>().join(", ");
    if !malformed.is_empty() {
        notices.push(format!(
            "history: dropped {} entries that are not item ids ({})",
            malformed.len(),
            sample(&malformed)
        ));
    }
    if !unknown.is_empty() {
        notices.push(format!(
            "history: dropped {} unknown item ids ({}); this catalogue has ids 1–{}",
            unknown.len(),
            sample(&unknown),
            limits.num_items
        ));
    }
    if repeated > 0 {
        notices.push(format!("history: dropped {repeated} repeated items"));
    }
    if items.len() > limits.max_history {
        notices.push(format!("history had {} items; kept the newest {}", items.len(), limits.max_history));
        items.drain(..items.len() - limits.max_history);
    }
    items
}

fn parse_float(v: &str, name: &str, min: f64, max: f64, step: f64, default: f64, notices: &mut Vec<String>) -> f64 {
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() => {
            let clamped = snap(x.clamp(min, max), step);
            if clamped != x {
                notices.push(format!(
                    "{name} {} is outside {}..{} in steps of {}; using {}",
                    quote(v),
                    number(min),
                    number(max),
                    number(step),
                    number(clamped)
                ));
            }
            clamped
        }
        _ => {
            notices.push(format!("{name} {} is not a number; using {}", quote(v), number(default)));
            default
        }
    }
}

fn parse_int(v: &str, name: &str, min: u64, max: u64, default: u64, notices: &mut Vec<String>) -> u64 {
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        // All digits but too long for u64 is simply "too large".
        let x = v.parse::<u64>().unwrap_or(u64::MAX);
        let clamped = x.clamp(min, max);
        if clamped != x {
            notices.push(format!("{name} {} is outside {min}..{max}; using {clamped}", quote(v)));
        }
        clamped
    } else {
        // A negative whole number is "below the minimum" (and gets it); anything else is not a number.
        let negative = v.len() > 1 && v.starts_with('-') && v[1..].bytes().all(|b| b.is_ascii_digit());
        let (reason, fallback) =
            if negative { (format!("is below {min}"), min) } else { ("is not a whole number".to_string(), default) };
        notices.push(format!("{name} {} {reason}; using {fallback}", quote(v)));
        fallback
    }
}

fn parse_bool(v: &str, name: &str, default: bool, notices: &mut Vec<String>) -> bool {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "on" | "yes" => true,
        "0" | "false" | "off" | "no" => false,
        _ => {
            notices.push(format!("{name} {} is not 0 or 1; using {}", quote(v), u8::from(default)));
            default
        }
    }
}
