//! `seqdiff train`: all-positions training with per-epoch validation, best-checkpoint keeping and
//! resumable state.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use burn::module::Module;
use burn::optim::{AdamWConfig, ModuleOptimizer};
use burn::tensor::Tensor;
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use seqdiff_model::bundle::{BundleFiles, MANIFEST_FORMAT, Manifest, content_hash, weights_to_bytes};
use seqdiff_model::data::Dataset;
use seqdiff_model::evaluate::{Split, evaluate, evaluate_encoder, split_cases};
use seqdiff_model::metrics::Evaluation;
use seqdiff_model::schedule::alpha_bars;
use seqdiff_model::train::{
    LossParts, LrSchedule, Objective, TrainConfig, Window, batch_loss, batches, training_windows,
};
use seqdiff_model::{Device, ModelConfig, Recommender, SamplingConfig, SeqDiff};
use serde::{Deserialize, Serialize};

use crate::TrainArgs;
use crate::checkpoint::{device, write_json};
use crate::commands::sweep::sweep_starts;
use crate::interrupt;
use crate::run_commit::{self, Commit};

/// Start strengths the trainer's final grid chooses among.
const SELECTION_STARTS: [f64; 2] = [1.0, 0.3];

/// A published design's validation grid: guidance only where its sampler is guided; steps up to its T.
pub fn design_grid(model: &ModelConfig, design: &SamplingConfig) -> (Vec<f64>, Vec<usize>) {
    let guidance = if design.guidance != 0.0 { vec![0.0, 1.0, 2.0, 4.0] } else { vec![0.0] };
    let t = model.diffusion_steps;
    let steps = [0, 1, 2, 5, 10].into_iter().filter(|&s| s < t).chain([t]).collect();
    (guidance, steps)
}

/// Sampling used for per-epoch model selection (cheap and deterministic).
pub fn selection_sampling() -> SamplingConfig {
    SamplingConfig { guidance: 1.0, steps: 2, eta: 0.0, ensemble: 1, seed: 0, start: 1.0 }
}

/// `state.json`: what a resumed run needs besides the weights and optimizer files.
#[derive(Serialize, Deserialize)]
struct RunState {
    model: ModelConfig,
    train: TrainConfig,
    data: String,
    epochs_done: usize,
    best_epoch: Option<usize>,
    best_ndcg10: f64,
    log: Vec<EpochLog>,
}

#[derive(Serialize, Deserialize, Clone)]
struct EpochLog {
    epoch: usize,
    loss: f64,
    ce: f64,
    mse: f64,
    #[serde(default)]
    encoder_ce: f64,
    seconds: f64,
    samples_per_second: f64,
    /// Targets trained when the `--minutes` budget ended this epoch early (absent: the whole epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    partial_targets: Option<usize>,
    /// The diffusion output at the selection sampling (absent with `--objective encoder`).
    valid: Option<Evaluation>,
    /// The encoder alone (c scored against the items) on validation: what the condition knows.
    #[serde(default)]
    valid_encoder: Option<Evaluation>,
}

impl EpochLog {
    /// What selects the checkpoint: the better (by unmasked NDCG@10, the protocol) of the diffusion
    /// output and the encoder alone, since the setting chosen after training may be either.
    fn selected(&self) -> Option<Evaluation> {
        [self.valid, self.valid_encoder]
            .into_iter()
            .flatten()
            .max_by(|a, b| a.unmasked.ndcg10.total_cmp(&b.unmasked.ndcg10))
    }
}

pub fn run(args: TrainArgs) -> Result<()> {
    validate(&args)?;
    let dataset = Dataset::load(&args.data)?;
    let mut state = run_state(&args, &dataset)?;
    // Resuming may extend the epoch budget.
    state.train.epochs = args.epochs;
    let train_cfg = state.train.clone();

    let inference_device = device(args.device)?;
    let device = inference_device.clone().autodiff();
    device.seed(train_cfg.seed);
    let (mut model, mut optim) = starting_point(&args, &state, &device)?;

    let windows = training_windows(&dataset.users, state.model.max_len, &train_cfg);
    if windows.is_empty() {
        bail!("{}: no training targets (every train sequence has a single item)", args.data.display());
    }
    let targets_per_epoch: usize = windows.iter().map(|w| w.trained()).sum();
    let valid_cases = split_cases(&dataset, Split::Valid);
    let alpha_bars = alpha_bars(state.model.schedule, state.model.diffusion_steps);
    eprintln!(
        "{}: {} users, {} items, {} windows, {} targets/epoch; model d={} {:?}, {} parameters",
        args.data.display(),
        dataset.users.len(),
        dataset.num_items,
        windows.len(),
        targets_per_epoch,
        state.model.dim,
        state.model.denoiser,
        model.num_params()
    );

    // Warm-up epochs (encoder alone) neither select a checkpoint nor count towards patience.
    let mut stale = state.log.len().saturating_sub(state.best_epoch.unwrap_or(0).max(train_cfg.encoder_warmup_epochs));
    let run = Training {
        args: &args,
        config: train_cfg.clone(),
        windows,
        alpha_bars,
        targets_per_epoch,
        device: device.clone(),
    };
    for epoch in state.epochs_done + 1..=train_cfg.epochs {
        if args.patience > 0 && stale >= args.patience {
            eprintln!("no better validation NDCG@10 for {} epochs: stopping", args.patience);
            break;
        }
        let budget_left = args.minutes.map(|m| m * 60.0 - state.log.iter().map(|l| l.seconds).sum::<f64>());
        if budget_left.is_some_and(|left| left <= 0.0) {
            eprintln!("the training budget of {} minutes is spent: stopping", args.minutes.unwrap_or_default());
            break;
        }

        let encoder_objective = train_cfg.objective == Objective::Encoder;
        let warmup = !encoder_objective && epoch <= train_cfg.encoder_warmup_epochs;
        let (trained, totals) = train_epoch(&run, model, &mut optim, epoch, encoder_objective || warmup, budget_left)?;
        model = trained;

        let recommender = Recommender::new(model.valid());
        let selecting = state.model.design.sampling(state.model.diffusion_steps).unwrap_or_else(selection_sampling);
        let valid = (!encoder_objective).then(|| evaluate(&recommender, &valid_cases, &selecting, args.eval_batch));
        let valid_encoder = evaluate_encoder(&recommender, &valid_cases, args.eval_batch);
        let seconds = totals.seconds;
        let log = EpochLog {
            epoch,
            loss: totals.loss,
            ce: totals.ce,
            mse: totals.mse,
            encoder_ce: totals.encoder_ce,
            seconds,
            samples_per_second: totals.targets as f64 / seconds,
            partial_targets: (totals.targets < targets_per_epoch).then_some(totals.targets),
            valid,
            valid_encoder: Some(valid_encoder),
        };
        // A frozen encoder is the same every epoch: the denoiser's own output selects; so does a published
        // design's, whose output is its sampler's.
        let own_output = train_cfg.frozen_encoder || state.model.design != seqdiff_model::config::Design::Ours;
        let selected = if own_output { log.valid } else { log.selected() }.expect("one validation row").unmasked;
        let improved = !warmup && selected.ndcg10 > state.best_ndcg10;
        let row = |e: &Evaluation| {
            let m = e.masked.unwrap_or_default();
            format!("{:.2} / {:.2} (masked {:.2} / {:.2})", e.unmasked.hr10, e.unmasked.ndcg10, m.hr10, m.ndcg10)
        };
        eprintln!(
            "epoch {epoch}: loss {:.4} (ce {:.4}, mse {:.4}, enc-ce {:.4}) {:.1}s {:.0} samples/s{} | valid HR@10 / NDCG@10 {} | encoder alone {}{}{}",
            log.loss,
            log.ce,
            log.mse,
            log.encoder_ce,
            seconds,
            log.samples_per_second,
            log.partial_targets.map_or_else(String::new, |done| format!(
                " (budget spent after {done} of {targets_per_epoch} targets)"
            )),
            valid.as_ref().map_or_else(|| "-".to_string(), row),
            row(&valid_encoder),
            if model.repeat_bias.is_some() {
                format!(" | repeat offset {:.3}", recommender.model.repeat_offset())
            } else {
                String::new()
            },
            if warmup {
                " (encoder warm-up)"
            } else if improved {
                " *"
            } else {
                ""
            }
        );
        // The epoch's weights, optimizer, state and manifest replace the last epoch's in one commit.
        let weights = weights_to_bytes(&recommender.model).map_err(anyhow::Error::msg)?;
        let mut commit = Commit::new(&args.out);
        if improved {
            state.best_ndcg10 = selected.ndcg10;
            state.best_epoch = Some(epoch);
            commit.stage("best.bpk", &weights)?;
            stale = 0;
        } else if !warmup {
            stale += 1;
        }
        commit.stage("last.bpk", &weights)?;
        commit.stage_with("optimizer.bpk", |path| {
            optim.save(path).map_err(|e| anyhow::anyhow!("cannot save optimizer: {e:?}"))
        })?;
        state.epochs_done = epoch;
        state.log.push(log);
        commit.stage("state.json", serde_json::to_string_pretty(&state)?.as_bytes())?;
        // The manifest points at best.bpk, which warm-up epochs do not write.
        if state.best_epoch.is_some() {
            let best = if improved { weights.clone() } else { std::fs::read(args.out.join("best.bpk"))? };
            commit.stage(
                "manifest.json",
                serde_json::to_string_pretty(&manifest(&args, &state, None, &best))?.as_bytes(),
            )?;
        }
        commit.finish()?;
        if state.log.last().is_some_and(|l| l.partial_targets.is_some()) {
            eprintln!("the training budget of {} minutes is spent: stopping", args.minutes.unwrap_or_default());
            break;
        }
    }
    choose_sampling_and_report(&args, &state, &dataset, &valid_cases, &inference_device)
}

/// With the best weights: chooses the sampling settings on validation (the encoder alone is one
/// candidate), reports test at that choice and writes the final manifest.
fn choose_sampling_and_report(
    args: &TrainArgs,
    state: &RunState,
    dataset: &Dataset,
    valid_cases: &[(Vec<u32>, u32)],
    inference_device: &Device,
) -> Result<()> {
    if state.best_epoch.is_none() {
        bail!("no epoch finished: nothing to select from");
    }

    // Choose the sampling settings on validation with the best weights; report test at that choice.
    let best_bytes = std::fs::read(args.out.join("best.bpk"))?;
    let best = seqdiff_model::bundle::model_from_bytes(&state.model, best_bytes.clone(), inference_device)
        .map_err(anyhow::Error::msg)?;
    let recommender = Recommender::new(best);
    let test_cases = split_cases(&dataset, Split::Test);
    let design_sampling = state.model.design.sampling(state.model.diffusion_steps);
    let (sampling, test) = if state.train.objective == Objective::Encoder {
        (selection_sampling(), evaluate_encoder(&recommender, &test_cases, args.eval_batch))
    } else if let Some(design) = design_sampling {
        // A published design keeps its own sampler; the grid (written for the page's charts and
        // BENCHMARKS) shows what fewer steps, and guidance where the design has it, would give.
        eprintln!(
            "{} sampler on validation: {}",
            state.model.design.name(),
            evaluate(&recommender, valid_cases, &design, args.eval_batch)
        );
        let (guidance, steps) = design_grid(&state.model, &design);
        let grid = sweep_starts(&recommender, valid_cases, &guidance, &steps, &[1.0], &[1], args.eval_batch, "valid")
            .expect("a start strength");
        write_json(&args.out.join("sweep.json"), &grid)?;
        eprintln!(
            "test, the encoder alone (steps 0): {}",
            evaluate_encoder(&recommender, &test_cases, args.eval_batch)
        );
        let test = evaluate(&recommender, &test_cases, &design, args.eval_batch);
        (design, test)
    } else {
        eprintln!("choosing guidance and steps on validation (best epoch {:?})", state.best_epoch);
        // The chain from pure noise (s = 1) and from the encoder's prediction part-way down (s = 0.3).
        let selection = sweep_starts(
            &recommender,
            &valid_cases,
            &[0.0, 1.0, 2.0, 4.0],
            &[0, 1, 2, 5, 10, 50],
            &SELECTION_STARTS,
            &[1],
            args.eval_batch,
            "valid",
        )
        .expect("a start strength");
        write_json(&args.out.join("sweep.json"), &selection)?;
        // Say plainly whether the diffusion output beats the encoder it is built on.
        if let (Some(diffusion), Some(encoder)) = selection.diffusion_and_encoder() {
            let (d, e) = (diffusion.unmasked, encoder.unmasked);
            let verdict = if d.ndcg10 > e.ndcg10 { "beats" } else { "does NOT beat" };
            eprintln!(
                "validation NDCG@10: the best diffusion setting ({:.2} / {:.2}) {verdict} the encoder alone ({:.2} / {:.2})",
                d.hr10, d.ndcg10, e.hr10, e.ndcg10
            );
        }
        if selection.best.steps == 0 {
            eprintln!("chosen: steps 0, the encoder alone (no denoising)");
        } else {
            eprintln!(
                "test, the encoder alone (steps 0): {}",
                evaluate_encoder(&recommender, &test_cases, args.eval_batch)
            );
        }
        let test = evaluate(&recommender, &test_cases, &selection.best, args.eval_batch);
        (selection.best, test)
    };
    write_json(&args.out.join("manifest.json"), &manifest(args, &state, Some((sampling.clone(), test)), &best_bytes))?;
    let minutes = state.log.iter().map(|l| l.seconds).sum::<f64>() / 60.0;
    eprintln!("best epoch {:?} of {}; {:.1} min of training", state.best_epoch, state.epochs_done, minutes);
    if state.train.objective == Objective::Encoder {
        eprintln!("the encoder alone (--objective encoder)");
    } else {
        eprintln!("sampling chosen on validation: {sampling:?}");
    }
    if recommender.model.repeat_bias.is_some() {
        eprintln!("learned repeat offset: {:.3}", recommender.repeat_offset());
    }
    eprintln!("test: {test}");
    eprintln!(
        "files: {} (eval: seqdiff eval --model {} --data {})",
        args.out.display(),
        args.out.display(),
        args.data.display()
    );
    Ok(())
}

/// What every epoch of a run reads.
struct Training<'a> {
    args: &'a TrainArgs,
    config: TrainConfig,
    windows: Vec<Window>,
    alpha_bars: Vec<f64>,
    targets_per_epoch: usize,
    device: Device,
}

/// An epoch's mean losses per target and its time.
struct EpochTotals {
    loss: f64,
    ce: f64,
    mse: f64,
    encoder_ce: f64,
    seconds: f64,
    /// Targets trained: all of the epoch's unless the budget ended it early.
    targets: usize,
}

/// Refuses options that cannot make a run, before anything is read or written.
fn validate(args: &TrainArgs) -> Result<()> {
    if args.dim == 0 || args.dim % 2 != 0 {
        bail!("--dim must be a positive even number (it is split into heads and sin/cos halves)");
    }
    if args.batch_size == 0 {
        bail!("--batch-size must be positive");
    }
    if !(args.lr.is_finite() && args.lr > 0.0) {
        bail!("--lr must be a positive number");
    }
    if args.minutes.is_some_and(|m| !(m.is_finite() && m > 0.0)) {
        bail!("--minutes must be a positive number");
    }
    if !(0.0..1.0).contains(&args.dropout) {
        bail!("--dropout must be in [0, 1)");
    }
    if !(0.0..=1.0).contains(&args.p_uncond) {
        bail!("--p-uncond must be in [0, 1]");
    }
    for (name, value) in [
        ("--weight-decay", args.weight_decay),
        ("--mse-weight", args.mse_weight),
        ("--encoder-ce-weight", args.encoder_ce_weight),
        ("--offset-noise", args.offset_noise),
    ] {
        if !(value.is_finite() && value >= 0.0) {
            bail!("{name} must be a non-negative number");
        }
    }
    if !(args.temperature.is_finite() && args.temperature > 0.0) {
        bail!("--temperature must be a positive number");
    }
    if args.threads == 0 || args.eval_batch == 0 {
        bail!("--threads and --eval-batch must be positive");
    }
    if !(args.diffusion_fraction > 0.0 && args.diffusion_fraction <= 1.0) {
        bail!("--diffusion-fraction must be in (0, 1]");
    }
    if args.holdout_last > 0 && args.objective != Objective::Encoder && args.encoder_from.is_none() {
        bail!(
            "--holdout-last splits the train targets between an encoder run (--objective encoder) and a staged denoiser run (--encoder-from): a joint run has no such split"
        );
    }
    if args.diffusion_fraction < 1.0 && args.denoiser == seqdiff_model::DenoiserKind::CrossAttn {
        bail!("--diffusion-fraction below 1 needs the mlp denoiser (cross-attention trains on whole windows)");
    }
    Ok(())
}

/// The run's state: read back from `--out` with `--resume`, else a new run of these options.
fn run_state(args: &TrainArgs, dataset: &Dataset) -> Result<RunState> {
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    if let Some(what) = run_commit::recover(&args.out)? {
        eprintln!("{what}");
    }
    let state_path = args.out.join("state.json");
    let state = if state_path.exists() {
        if !args.resume {
            bail!("{} already holds a run: pass --resume to continue it, or choose another --out", args.out.display());
        }
        let state: RunState = serde_json::from_str(&std::fs::read_to_string(&state_path)?)
            .with_context(|| format!("{}: unreadable run state", state_path.display()))?;
        if state.model.num_items != dataset.num_items {
            bail!(
                "{}: the run was trained on {} items but {} has {}",
                state_path.display(),
                state.model.num_items,
                args.data.display(),
                dataset.num_items
            );
        }
        let changed = changed_options(&state, args, dataset.num_items);
        if !changed.is_empty() {
            bail!(
                "--resume continues a run with the options it was started with (only --epochs may change); these differ:\n  {}\nrepeat the original options, or start a new run with another --out",
                changed.join("\n  ")
            );
        }
        if state.train.lr_schedule == LrSchedule::Cosine && args.epochs != state.train.epochs {
            bail!(
                "the run's cosine schedule was planned over {} epochs; --epochs {} would make the learning rate jump mid-run: resume with --epochs {}, or start a run with --lr-schedule constant to extend it later",
                state.train.epochs,
                args.epochs,
                state.train.epochs
            );
        }
        eprintln!("resuming after epoch {} (best valid NDCG@10 {:.2})", state.epochs_done, state.best_ndcg10);
        state
    } else {
        if args.max_len == 0 || args.layers == 0 || args.heads == 0 || args.dim % args.heads != 0 {
            bail!("--max-len, --layers and --heads must be positive, and --dim divisible by --heads");
        }
        let model = args.model_config(dataset.num_items);
        let train = args.train_config();
        RunState {
            model,
            train,
            data: args.data.display().to_string(),
            epochs_done: 0,
            best_epoch: None,
            best_ndcg10: -1.0,
            log: vec![],
        }
    };
    Ok(state)
}

/// The model and optimizer a run starts from: the last epoch's when resuming, else new weights
/// (with another run's encoder or every weight of it, as asked).
fn starting_point(args: &TrainArgs, state: &RunState, device: &Device) -> Result<(SeqDiff, ModuleOptimizer)> {
    let mut model = SeqDiff::new(&state.model, device);
    let mut optim = AdamWConfig::new().with_weight_decay(state.train.weight_decay as f32).init();
    if state.epochs_done > 0 {
        let last = args.out.join("last.bpk");
        model = model.try_load_file(&last).map_err(|e| anyhow::anyhow!("{}: cannot load: {e:?}", last.display()))?;
        optim = optim
            .load(args.out.join("optimizer.bpk"))
            .map_err(|e| anyhow::anyhow!("optimizer.bpk: cannot load: {e:?}"))?;
    } else if let Some(from) = &args.encoder_from {
        model = with_encoder_of(model, from, device)?;
    } else if let Some(from) = &args.init_from {
        model = initialised_from(from, &state.model, device)?;
    }
    if state.train.frozen_encoder {
        model = freeze_encoder(model, state.train.frozen_encoder_dropout);
    }
    Ok((model, optim))
}

/// One pass over the training windows; returns the updated model.
fn train_epoch(
    run: &Training,
    mut model: SeqDiff,
    optim: &mut ModuleOptimizer,
    epoch: usize,
    encoder_only: bool,
    budget_left_seconds: Option<f64>,
) -> Result<(SeqDiff, EpochTotals)> {
    // Per-epoch seeding makes a resumed run continue exactly as an uninterrupted one.
    let epoch_seed = run.config.seed.wrapping_mul(1_000_003).wrapping_add(epoch as u64);
    run.device.seed(epoch_seed);
    let mut rng = ChaCha8Rng::seed_from_u64(epoch_seed);
    let plan = batches(&run.windows, run.config.batch_size, &mut rng);
    let bar = ProgressBar::new(run.targets_per_epoch as u64);
    bar.set_style(
        ProgressStyle::with_template("epoch {prefix} [{bar:30}] {percent:>3}% {msg} eta {eta}")
            .unwrap()
            .progress_chars("=> "),
    );
    bar.set_prefix(format!("{epoch}/{}", run.config.epochs));
    let start = Instant::now();
    let (mut sum_loss, mut sum_ce, mut sum_mse, mut sum_enc, mut seen) = (0.0, 0.0, 0.0, 0.0, 0usize);
    let mut targets = 0usize;
    for (step, batch) in plan.iter().enumerate() {
        // At least one batch, so a partial epoch always has something to report.
        if step > 0 && budget_left_seconds.is_some_and(|left| start.elapsed().as_secs_f64() >= left) {
            break;
        }
        if interrupt::requested() {
            bar.finish_and_clear();
            return Err(interrupt::Interrupted(format!(
                "interrupted in epoch {epoch}: nothing of it was saved; {} holds epoch {} complete. Continue with the same command and --resume.",
                run.args.out.display(),
                epoch - 1
            ))
            .into());
        }
        let refs: Vec<_> = batch.iter().map(|&i| &run.windows[i]).collect();
        let batch_loss =
            batch_loss(&model, &refs, &run.config, &run.alpha_bars, &mut rng, run.args.threads, encoder_only);
        let n = batch_loss.targets();
        // Reading scalars forces a sync; do it every few steps only.
        if step % 10 == 0 || step + 1 == plan.len() {
            let scalar = |f: fn(&LossParts) -> &Tensor<1>| -> f64 {
                batch_loss
                    .parts
                    .iter()
                    .map(|p| f(p).clone().into_scalar::<f32>() as f64 * p.targets as f64)
                    .sum::<f64>()
                    / n.max(1) as f64
            };
            let (l, c, m, e) = (scalar(|p| &p.total), scalar(|p| &p.ce), scalar(|p| &p.mse), scalar(|p| &p.encoder_ce));
            if !l.is_finite() {
                bail!("loss became {l} at epoch {epoch}, step {step}: lower --lr");
            }
            sum_loss += l * n as f64;
            sum_ce += c * n as f64;
            sum_mse += m * n as f64;
            sum_enc += e * n as f64;
            seen += n;
            let rate = bar.position() as f64 / start.elapsed().as_secs_f64().max(1e-9);
            bar.set_message(format!(
                "loss {:.4} (ce {:.3} mse {:.3} enc-ce {:.3}) {:.0} samples/s",
                sum_loss / seen as f64,
                sum_ce / seen as f64,
                sum_mse / seen as f64,
                sum_enc / seen as f64,
                rate
            ));
        }
        let grads = batch_loss.gradients(&model);
        let progress = ((epoch - 1) * plan.len() + step) as f64 / (run.config.epochs * plan.len()) as f64;
        model = optim.step(run.config.lr_schedule.rate(run.config.learning_rate, progress), model, grads);
        let trained = refs.iter().map(|w| w.trained()).sum::<usize>();
        targets += trained;
        bar.inc(trained as u64);
    }
    bar.finish_and_clear();
    let mean = |sum: f64| sum / seen.max(1) as f64;
    let totals = EpochTotals {
        loss: mean(sum_loss),
        ce: mean(sum_ce),
        mse: mean(sum_mse),
        encoder_ce: mean(sum_enc),
        seconds: start.elapsed().as_secs_f64(),
        targets,
    };
    Ok((model, totals))
}

/// `model` with the item table, encoder and repeat offset of the run (or bundle) in `from`.
fn with_encoder_of(mut model: SeqDiff, from: &std::path::Path, device: &seqdiff_model::Device) -> Result<SeqDiff> {
    let (manifest, source) = crate::checkpoint::load_model(from, device)?;
    let (a, b) = (&manifest.model, &model.config);
    let same = a.num_items == b.num_items
        && a.dim == b.dim
        && a.max_len == b.max_len
        && a.layers == b.layers
        && a.heads == b.heads
        && a.scoring == b.scoring
        && a.repeat_offset == b.repeat_offset
        && a.input_scale == b.input_scale
        && (a.scoring != seqdiff_model::config::Scoring::Normalised || a.temperature == b.temperature);
    if !same {
        bail!(
            "--encoder-from {}: its encoder ({} items, d={}, max_len {}, {} layers, {} heads, {:?} scoring, repeat offset {}) differs from this run's ({} items, d={}, max_len {}, {} layers, {} heads, {:?}, {}): repeat its options",
            from.display(),
            a.num_items,
            a.dim,
            a.max_len,
            a.layers,
            a.heads,
            a.scoring,
            a.repeat_offset,
            b.num_items,
            b.dim,
            b.max_len,
            b.layers,
            b.heads,
            b.scoring,
            b.repeat_offset
        );
    }
    eprintln!("encoder, item table and repeat offset from {} (frozen)", from.display());
    model.items = source.items;
    model.encoder = source.encoder;
    model.repeat_bias = source.repeat_bias;
    Ok(model)
}

/// Every weight of the run (or bundle) in `from`, whose model options must be `config`.
fn initialised_from(from: &std::path::Path, config: &ModelConfig, device: &seqdiff_model::Device) -> Result<SeqDiff> {
    let (manifest, source) = crate::checkpoint::load_model(from, device)?;
    if &manifest.model != config {
        bail!(
            "--init-from {}: its model options differ from this run's:\n  {:?}\n  {:?}\nrepeat its options",
            from.display(),
            manifest.model,
            config
        );
    }
    eprintln!("every weight from {} (fine-tuning, nothing frozen)", from.display());
    Ok(source)
}

/// Stops the gradients (and, unless `dropout`, the dropout) of everything the denoiser is trained
/// on top of.
fn freeze_encoder(mut model: SeqDiff, dropout: bool) -> SeqDiff {
    model.items = model.items.freeze();
    model.encoder = if dropout { model.encoder.no_grad() } else { model.encoder.freeze() };
    model.repeat_bias = model.repeat_bias.map(|b| b.set_require_grad(false));
    model
}

/// What a resumed run would change: every option whose value differs from the one the run was
/// started with (the epoch budget may change and is left out).
fn changed_options(state: &RunState, args: &TrainArgs, num_items: usize) -> Vec<String> {
    let requested_train = TrainConfig { epochs: state.train.epochs, ..args.train_config() };
    let pairs = [
        (serde_json::to_value(&state.model), serde_json::to_value(args.model_config(num_items))),
        (serde_json::to_value(&state.train), serde_json::to_value(requested_train)),
    ];
    let mut changed = Vec::new();
    for (was, now) in pairs {
        let (Ok(serde_json::Value::Object(was)), Ok(serde_json::Value::Object(now))) = (was, now) else {
            continue;
        };
        for (key, value) in &now {
            if was.get(key) != Some(value) {
                let old = was.get(key).map_or_else(|| "unset".to_string(), ToString::to_string);
                changed.push(format!("{key}: {old} → {value}"));
            }
        }
    }
    changed
}

/// The run's manifest points at best.bpk (whose bytes are `best`) and records the selection
/// sampling and metrics.
fn manifest(
    args: &TrainArgs,
    state: &RunState,
    selected: Option<(SamplingConfig, Evaluation)>,
    best: &[u8],
) -> Manifest {
    let valid = state.best_epoch.and_then(|e| state.log.iter().find(|l| l.epoch == e)).and_then(EpochLog::selected);
    Manifest {
        format: MANIFEST_FORMAT,
        name: args.out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        model: state.model.clone(),
        sampling: selected.as_ref().map_or_else(selection_sampling, |s| s.0.clone()),
        valid_metrics: valid,
        test_metrics: selected.map(|s| s.1),
        encoder_only: state.train.objective == Objective::Encoder,
        files: BundleFiles { weights: "best.bpk".into(), weights_hash: content_hash(best), ..Default::default() },
        provenance: serde_json::json!({
            "data": state.data,
            "seed": state.train.seed,
            "train": state.train,
            "best_epoch": state.best_epoch,
            "epochs_done": state.epochs_done,
            "train_seconds": state.log.iter().map(|l| l.seconds).sum::<f64>(),
        }),
    }
}
