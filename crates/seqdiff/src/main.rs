//! `seqdiff`: train, evaluate, sweep and export the diffusion sequential recommender.

mod checkpoint;
mod commands;
mod design;
mod embedding_map;
mod import;
mod interrupt;
mod run_commit;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use seqdiff_model::config::{Design, DiffusionSpace, NoiseSchedule, Scoring};
use seqdiff_model::train::{LrSchedule, Objective, TrainConfig, X0Target};
use seqdiff_model::{DenoiserKind, ModelConfig};

#[derive(Parser)]
#[command(name = "seqdiff", version, about = "Diffusion sequential recommender: train, eval, sweep, export")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train on a sequences.tsv (DiffuRec split) or a recbole ML-100K folder; keeps the best checkpoint.
    Train(TrainArgs),
    /// Full-ranking HR/NDCG@5/10/20 (×100) of a checkpoint or bundle on a split.
    Eval(EvalArgs),
    /// Validation metrics over a guidance × steps grid, written as JSON.
    Sweep(SweepArgs),
    /// Write the bundle the page loads (weights, manifest, catalogue, metric grid).
    Export(ExportArgs),
    /// Plot validation NDCG@10 against training minutes for run folders, as an SVG.
    Curves(CurvesArgs),
    /// Follow the denoising chain step by step on a split: norms and nearest-key cosines of x_t and
    /// x̂0 beside the training range, and the accuracy of x̂0 at every step.
    Chain(ChainArgs),
    /// Accuracy against diversity (coverage, novelty, intra-list diversity) of the diffusion's
    /// settings beside softmax sampling and MMR re-ranking of the same encoder.
    Frontier(FrontierArgs),
    /// Turn a CSV or TSV of interactions (user, item, timestamp; any string ids) and optionally one of
    /// items (item, title, genres) into the leave-one-out split and catalogue the trainer reads.
    Import(ImportArgs),
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The interactions: CSV, or TSV when the name ends in .tsv; a header line names the columns.
    #[arg(long)]
    pub interactions: PathBuf,
    #[arg(long, default_value = "user")]
    pub user_column: String,
    #[arg(long, default_value = "item")]
    pub item_column: String,
    /// Numbers (e.g. Unix seconds); each user's items are ordered by it, ties in file order.
    #[arg(long, default_value = "timestamp")]
    pub time_column: String,
    /// Skip unreadable rows (counted, the first few reported) instead of stopping at the first.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Keep only users and items with at least K interactions, repeated until stable (0 = all).
    #[arg(long, default_value_t = 0)]
    pub k_core: usize,
    /// Optional items file (CSV, or TSV by name) giving each item's title and genres.
    #[arg(long)]
    pub items: Option<PathBuf>,
    #[arg(long, default_value = "item")]
    pub items_item_column: String,
    #[arg(long, default_value = "title")]
    pub title_column: String,
    /// Genres separated by `|`.
    #[arg(long)]
    pub genres_column: Option<String>,
    /// The folder to write (sequences.tsv and items.tsv), e.g. data/mine.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DeviceChoice {
    /// Flex CPU backend.
    Cpu,
    /// Native GPU through wgpu (Vulkan/Metal/DX12); needs a build with `--features wgpu`.
    Wgpu,
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// sequences.tsv, a folder holding it, or a folder/file of recbole ML-100K (.inter).
    #[arg(long)]
    pub data: PathBuf,
    /// A published design's mechanism at this size (`diffurec`, `dreamrec`, `diffurecsys`; `ours`, the
    /// default, is the bare command): a named set of the options below (src/design.rs, ARCHITECTURE.md
    /// "Designs"). An option given on the command line still wins over the design's value.
    #[arg(long, value_parser = parse_design, default_value = "ours")]
    pub design: Design,
    /// Diffusion steps T of the training chain.
    #[arg(long, default_value_t = ModelConfig::new(1).diffusion_steps)]
    pub diffusion_steps: usize,
    /// Noise schedule: `cosine`, `truncated-linear` (DiffuRec) or `vp-exponential` (DreamRec).
    #[arg(long, value_parser = parse_schedule, default_value = "cosine")]
    pub schedule: NoiseSchedule,
    /// Width of the MLP denoiser's hidden layers.
    #[arg(long, default_value_t = ModelConfig::new(1).denoiser_hidden)]
    pub denoiser_hidden: usize,
    /// With --denoiser history-tokens: DiffuRec's δ, λ ~ N(δ, δ²) scaling x_t + τ(t) on every token.
    #[arg(long, default_value_t = 0.0)]
    pub token_noise: f64,
    /// What the chain diffuses: `normalised-key` (the target's normalised embedding, detached) or
    /// `embedding` (its raw row, trained through the chain as DiffuRec and DreamRec do).
    #[arg(long, default_value = "normalised-key")]
    pub x0_target: X0Target,
    /// Standard deviation of the item table's initial rows.
    #[arg(long, default_value_t = ModelConfig::new(1).item_init_std)]
    pub item_init_std: f64,
    /// Weight of the CE on x̂0 (0 = the MSE alone, as DreamRec).
    #[arg(long, default_value_t = TrainConfig::default().ce_weight)]
    pub ce_weight: f64,
    /// Run folder: checkpoints, manifest, per-epoch log.
    #[arg(long)]
    pub out: PathBuf,
    /// Seed of every random draw (initialisation, batches, dropout, noise): same seed and --threads,
    /// same run.
    #[arg(long, default_value_t = TrainConfig::default().seed)]
    pub seed: u64,
    /// At most this many epochs (early stopping usually ends the run first; BENCHMARKS.md).
    #[arg(long, default_value_t = TrainConfig::default().epochs)]
    pub epochs: usize,
    /// Stop after this many epochs without a better validation NDCG@10 (0 = never): the data decide
    /// how long a run trains (10, as BSARec: with 5 the ML-100K bundle stopped at epoch 9, its
    /// best epoch 4, on validation noise over 943 users; BENCHMARKS.md).
    #[arg(long, default_value_t = 10)]
    pub patience: usize,
    /// A training-time budget in minutes, summed over resumes (validation not counted): the epoch
    /// running when it is spent ends early, is validated and saved as a partial epoch, and the run
    /// stops. How designs whose epoch takes an hour are compared at one budget (BENCHMARKS.md).
    #[arg(long)]
    pub minutes: Option<f64>,
    /// Embedding width d of items, encoder and denoiser (even).
    #[arg(long, default_value_t = 64)]
    pub dim: usize,
    /// Newest items of a history the encoder reads (the protocol does not fix it).
    #[arg(long, default_value_t = 50)]
    pub max_len: usize,
    /// Transformer blocks of the history encoder.
    #[arg(long, default_value_t = 2)]
    pub layers: usize,
    /// Attention heads (must divide --dim).
    #[arg(long, default_value_t = 2)]
    pub heads: usize,
    /// What is trained: `diffusion` (encoder + denoiser) or `encoder` (the SASRec-CE reference alone).
    #[arg(long, default_value = "diffusion")]
    pub objective: Objective,
    /// How outputs are scored against the item table: `dot` (the raw tied table, as SASRec) or
    /// `normalised` (RMS-normalised keys, / --temperature).
    #[arg(long, default_value = "dot")]
    pub scoring: Scoring,
    /// The denoiser trains on top of the encoder: its losses reach neither the encoder, the item
    /// table nor the repeat offset (false: joint training).
    #[arg(long, default_value_t = TrainConfig::default().denoiser_on_top, action = clap::ArgAction::Set)]
    pub denoiser_on_top: bool,
    /// Learn a logit offset for items already in the user's history (true/false).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub repeat_offset: bool,
    /// What the chain feeds back: `query` (x̂0 itself, a query-like vector, while training builds x_t
    /// from the target's normalised key) or `key` (the normalised key x̂0's softmax expects, so x_t is
    /// built from keys in training and sampling alike; trained by CE alone, --mse-weight unused).
    #[arg(long, default_value = "query")]
    pub diffusion_space: DiffusionSpace,
    /// Staged training: take the item table, encoder and repeat offset from this run (its best
    /// weights), freeze them and train the denoiser alone (the encoder's CE is not computed).
    #[arg(long)]
    pub encoder_from: Option<PathBuf>,
    /// With --encoder-from: keep the frozen encoder's dropout on while the denoiser trains (its
    /// condition then looks like one the encoder has not fitted).
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set)]
    pub frozen_encoder_dropout: bool,
    /// Fine-tuning (ADRec's last stage): start from every weight of this run (or bundle), whose model
    /// options must equal this run's, and train all of them (nothing frozen).
    #[arg(long, conflicts_with = "encoder_from")]
    pub init_from: Option<PathBuf>,
    /// Cross-fitting in time (0 = off): with --objective encoder, each user's last K train items are
    /// withheld; with --encoder-from (an encoder trained with the same K), the denoiser trains on
    /// exactly those K targets, which its encoder never fitted.
    #[arg(long, default_value_t = 0)]
    pub holdout_last: usize,
    /// Denoiser: `mlp` (on concat[x_t, c, τ(t)]) or `cross-attn` (x_t also attends to the encoder outputs).
    #[arg(long, default_value = "mlp")]
    pub denoiser: DenoiserKind,
    /// The denoiser also reads the mean item key of the user's whole history (every item seen, not
    /// only the encoder's newest --max-len): a condition the encoder's last state lacks.
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set)]
    pub history_bag: bool,
    /// Training windows per batch (small batches learned far faster here; BENCHMARKS.md).
    #[arg(long, default_value_t = TrainConfig::default().batch_size)]
    pub batch_size: usize,
    /// Adam(W) learning rate (SASRec's 1e-3).
    #[arg(long, default_value_t = TrainConfig::default().learning_rate)]
    pub lr: f64,
    /// Learning-rate schedule: `constant`, or `cosine` decay to 0 over --epochs.
    #[arg(long, default_value = "constant")]
    pub lr_schedule: LrSchedule,
    /// AdamW weight decay.
    #[arg(long, default_value_t = TrainConfig::default().weight_decay)]
    pub weight_decay: f64,
    /// Encoder dropout (0.5, as BSARec on Beauty; BENCHMARKS.md).
    #[arg(long, default_value_t = 0.5)]
    pub dropout: f64,
    /// x̂0 = c + MLP(x_t, c, τ): the denoiser refines the encoder's prediction (`false`: x̂0 = MLP).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub residual_denoiser: bool,
    /// Scale of the item embeddings entering the encoder (default √dim, as SASRec).
    #[arg(long)]
    pub input_scale: Option<f64>,
    /// With --scoring normalised: the softmax temperature on x̂0·ẽ (ẽ = RMS-normalised item embeddings).
    #[arg(long, default_value_t = 8.0)]
    pub temperature: f64,
    /// Weight of the auxiliary CE on the encoder output (0 = off).
    #[arg(long, default_value_t = TrainConfig::default().encoder_ce_weight)]
    pub encoder_ce_weight: f64,
    /// λ in CE + λ·MSE (query space; key space trains by CE alone).
    #[arg(long, default_value_t = TrainConfig::default().mse_weight)]
    pub mse_weight: f64,
    /// Condition dropout: the share of training rows whose condition is replaced by the learned ∅
    /// (what classifier-free guidance needs).
    #[arg(long, default_value_t = TrainConfig::default().p_uncond)]
    pub p_uncond: f64,
    /// Epochs at the start that train the history encoder alone (half the cost of a joint epoch).
    #[arg(long, default_value_t = TrainConfig::default().encoder_warmup_epochs)]
    pub encoder_warmup_epochs: usize,
    /// Share of the target positions that also train the denoiser at each step, drawn at random
    /// (1 = all). The encoder's CE always sees every position; 0.25 makes an ML-1M epoch ≈40% cheaper.
    #[arg(long, default_value_t = TrainConfig::default().diffusion_fraction)]
    pub diffusion_fraction: f64,
    /// Training windows start every N items and overlap (0 = back to back); each target is still
    /// trained once per epoch, in the newest window holding it, so it sees ≥ max_len − N items of context.
    #[arg(long, default_value_t = TrainConfig::default().window_stride)]
    pub window_stride: usize,
    /// Offset-noise scale (0 = off).
    #[arg(long, default_value_t = TrainConfig::default().offset_noise)]
    pub offset_noise: f64,
    /// Continue a run in --out from its last finished epoch (after Ctrl-C, a crash or an --epochs
    /// budget). Every other option must repeat the original run's; --epochs may grow unless the
    /// schedule is cosine. Each epoch is saved as one commit, so the folder never mixes two epochs.
    #[arg(long)]
    pub resume: bool,
    /// Where to train.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Cpu)]
    pub device: DeviceChoice,
    /// Validation users per batch.
    #[arg(long, default_value_t = 256)]
    pub eval_batch: usize,
    /// Each batch is split into this many parts whose forward and backward passes run on their own
    /// threads, gradients summed: the same update as one thread (Flex runs element-wise ops on one
    /// core). Each part has its own seeded generator, so the run does not depend on thread timing.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
}

#[derive(Args, Debug, Clone)]
pub struct SamplingArgs {
    /// Classifier-free guidance w (−1 unconditional, 0 conditional). Default: the checkpoint's.
    #[arg(long, allow_negative_numbers = true)]
    pub guidance: Option<f64>,
    /// Sampling steps S (1..T; 0 = the encoder alone, no denoising). Default: the checkpoint's.
    #[arg(long)]
    pub steps: Option<usize>,
    /// DDIM η (0..1). Default: the checkpoint's.
    #[arg(long)]
    pub eta: Option<f64>,
    /// Seeds in the ensemble K (1..8). Default: the checkpoint's.
    #[arg(long)]
    pub ensemble: Option<usize>,
    #[arg(long)]
    pub seed: Option<u64>,
    /// Start strength s ∈ (0, 1]: 1 starts from pure noise; smaller starts part-way down the chain
    /// from the encoder's prediction. Default: the checkpoint's.
    #[arg(long)]
    pub start: Option<f64>,
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// A run folder (from train) or a bundle folder (from export).
    #[arg(long)]
    pub model: PathBuf,
    #[arg(long)]
    pub data: PathBuf,
    /// Which leave-one-out target to rank: `valid` (history = train items) or `test` (train + valid).
    #[arg(long, default_value = "test")]
    pub split: seqdiff_model::evaluate::Split,
    #[command(flatten)]
    pub sampling: SamplingArgs,
    /// Score with the encoder alone (no denoiser); the default for `--objective encoder` runs.
    #[arg(long)]
    pub encoder: bool,
    /// Print one JSON object ("HR@10", ...) instead of a table.
    #[arg(long)]
    pub json: bool,
    #[arg(long, default_value_t = 256)]
    pub batch: usize,
    #[arg(long, value_enum, default_value_t = DeviceChoice::Cpu)]
    pub device: DeviceChoice,
}

#[derive(Args, Debug)]
pub struct SweepArgs {
    #[arg(long)]
    pub model: PathBuf,
    #[arg(long)]
    pub data: PathBuf,
    /// Guidance values [default: -1,0,0.5,1,2,4,8; a published design's preset: the trainer's grid].
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    pub guidance: Option<Vec<f64>>,
    /// Steps 0 is the encoder alone (no denoising), the same for every guidance [default:
    /// 0,1,2,5,10,20,50; a published design's preset: the trainer's grid, up to its T].
    #[arg(long, value_delimiter = ',')]
    pub steps: Option<Vec<usize>>,
    /// Also sweep the ensemble size at the best (guidance, steps) [default: 1,4,8; a design's preset: 1].
    #[arg(long, value_delimiter = ',')]
    pub ensemble: Option<Vec<usize>>,
    /// Start strengths to sweep (each a full guidance × steps grid; the best one is kept).
    #[arg(long, value_delimiter = ',', default_value = "1")]
    pub start: Vec<f64>,
    /// `valid` (then the best setting becomes the model's default) or `test`.
    #[arg(long, default_value = "valid")]
    pub split: seqdiff_model::evaluate::Split,
    /// Output JSON (default: MODEL/sweep.json).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, default_value_t = 256)]
    pub batch: usize,
}

#[derive(Args, Debug)]
pub struct ChainArgs {
    /// A run folder (from train) or a bundle folder (from export).
    #[arg(long)]
    pub model: PathBuf,
    #[arg(long)]
    pub data: PathBuf,
    #[arg(long, default_value = "valid")]
    pub split: seqdiff_model::evaluate::Split,
    #[command(flatten)]
    pub sampling: SamplingArgs,
    /// Users followed (evenly spread over the split; 0 = all).
    #[arg(long, default_value_t = 1000)]
    pub users: usize,
    #[arg(long, default_value_t = 256)]
    pub batch: usize,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct FrontierArgs {
    /// A run folder (from train) or a bundle folder (from export).
    #[arg(long)]
    pub model: PathBuf,
    #[arg(long)]
    pub data: PathBuf,
    #[arg(long, default_value = "valid")]
    pub split: seqdiff_model::evaluate::Split,
    /// Users measured (evenly spread over the split; 0 = all).
    #[arg(long, default_value_t = 0)]
    pub users: usize,
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true, default_value = "0,1,2,4")]
    pub guidance: Vec<f64>,
    #[arg(long, value_delimiter = ',', default_value = "1,2,5,10,50")]
    pub steps: Vec<usize>,
    #[arg(long, value_delimiter = ',', default_value = "1")]
    pub start: Vec<f64>,
    #[arg(long, default_value_t = 1)]
    pub ensemble: usize,
    #[arg(long, default_value_t = 0.0)]
    pub eta: f64,
    /// Softmax-sampling temperatures of the baseline (Gumbel-top-k of the encoder's softmax).
    #[arg(long, value_delimiter = ',', default_values_t = commands::frontier::TEMPERATURES.to_vec())]
    pub temperature: Vec<f64>,
    /// MMR trade-offs λ of the baseline (1 = the encoder's own list).
    #[arg(long, value_delimiter = ',', default_values_t = commands::frontier::MMR_LAMBDAS.to_vec())]
    pub mmr_lambda: Vec<f64>,
    /// Popularity penalties γ of the baseline: ln p − γ·ln(1 + training count).
    #[arg(long, value_delimiter = ',', default_values_t = commands::frontier::POPULARITY_PENALTIES.to_vec())]
    pub pop_penalty: Vec<f64>,
    /// JSON with every method's points.
    #[arg(long)]
    pub out: PathBuf,
    /// Also draw the chart, e.g. docs/frontier-beauty.svg.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// The chart's title (default: the model's name).
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long, default_value_t = 256)]
    pub batch: usize,
}

#[derive(Args, Debug)]
pub struct CurvesArgs {
    /// A run folder of `seqdiff train` (its state.json is read); repeat for one panel per run.
    #[arg(long, required = true)]
    pub run: Vec<PathBuf>,
    /// The SVG to write, e.g. docs/validation-curves.svg.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[arg(long)]
    pub model: PathBuf,
    /// Bundle folder, e.g. public/models/ml-100k.
    #[arg(long)]
    pub out: PathBuf,
    /// Dataset the model was trained on (for the item catalogue and popularity).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Bundle name shown by the page (default: the folder name).
    #[arg(long)]
    pub name: Option<String>,
    /// t-SNE perplexity of the item map.
    #[arg(long, default_value_t = 30.0)]
    pub perplexity: f32,
    /// t-SNE iterations of the item map.
    #[arg(long, default_value_t = 1000)]
    pub tsne_iterations: usize,
    /// Also report the 10-nearest-neighbour preservation of another map.json of the same model
    /// (e.g. the previous export), to compare maps.
    #[arg(long)]
    pub compare_map: Option<PathBuf>,
}

impl TrainArgs {
    /// The model these options ask for.
    pub fn model_config(&self, num_items: usize) -> ModelConfig {
        ModelConfig {
            dim: self.dim,
            heads: self.heads,
            layers: self.layers,
            max_len: self.max_len,
            scoring: self.scoring,
            repeat_offset: self.repeat_offset,
            denoiser: self.denoiser,
            dropout: self.dropout,
            temperature: self.temperature,
            residual_denoiser: self.residual_denoiser,
            diffusion_space: self.diffusion_space,
            history_bag: self.history_bag,
            input_scale: self.input_scale.unwrap_or((self.dim as f64).sqrt()),
            diffusion_steps: self.diffusion_steps,
            schedule: self.schedule,
            denoiser_hidden: self.denoiser_hidden,
            token_noise: self.token_noise,
            design: self.design,
            item_init_std: self.item_init_std,
            ..ModelConfig::new(num_items)
        }
    }

    /// The training settings these options ask for.
    pub fn train_config(&self) -> TrainConfig {
        TrainConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            learning_rate: self.lr,
            weight_decay: self.weight_decay,
            p_uncond: self.p_uncond,
            mse_weight: self.mse_weight,
            offset_noise: self.offset_noise,
            encoder_ce_weight: self.encoder_ce_weight,
            seed: self.seed,
            lr_schedule: self.lr_schedule,
            encoder_warmup_epochs: self.encoder_warmup_epochs,
            diffusion_fraction: self.diffusion_fraction,
            window_stride: self.window_stride,
            objective: self.objective,
            denoiser_on_top: self.denoiser_on_top,
            frozen_encoder: self.encoder_from.is_some(),
            frozen_encoder_dropout: self.frozen_encoder_dropout,
            holdout_last: self.holdout_last,
            initialised_from: self.init_from.as_ref().map(|p| p.display().to_string()),
            ce_weight: self.ce_weight,
            x0_target: self.x0_target,
        }
    }
}

fn parse_design(s: &str) -> Result<Design, String> {
    s.parse()
}

fn parse_schedule(s: &str) -> Result<NoiseSchedule, String> {
    match s {
        "cosine" => Ok(NoiseSchedule::Cosine),
        "truncated-linear" => Ok(NoiseSchedule::TruncatedLinear),
        "vp-exponential" => Ok(NoiseSchedule::VpExponential),
        _ => Err(format!("unknown schedule '{s}' (expected cosine, truncated-linear or vp-exponential)")),
    }
}

/// The command line parsed, with `train --design` applied to every option the line did not give.
fn parse_cli() -> Cli {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let (Command::Train(args), Some(("train", train))) = (&mut cli.command, matches.subcommand()) {
        let given = |id: &str| train.value_source(id) == Some(clap::parser::ValueSource::CommandLine);
        design::apply(args, &given);
    }
    cli
}

fn main() -> ExitCode {
    let cli = parse_cli();
    let result = match cli.command {
        Command::Train(args) => {
            interrupt::install();
            commands::train::run(args)
        }
        Command::Eval(args) => commands::eval::run(args),
        Command::Sweep(args) => commands::sweep::run(args),
        Command::Export(args) => commands::export::run(args),
        Command::Curves(args) => commands::curves::run(args),
        Command::Chain(args) => commands::chain::run(args),
        Command::Frontier(args) => commands::frontier::run(args),
        Command::Import(args) => commands::import::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<interrupt::Interrupted>() => {
            eprintln!("{e}");
            ExitCode::from(interrupt::EXIT_CODE)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_train_command_is_the_library_recipe() {
        let Command::Train(args) = Cli::parse_from(["seqdiff", "train", "--data", "d", "--out", "o"]).command else {
            panic!("not a train command");
        };
        assert_eq!(args.train_config(), TrainConfig::default());
    }
}
