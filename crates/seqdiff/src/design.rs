//! `seqdiff train --design NAME`: each published design as a named set of `train` options, reproducing
//! its mechanism at this project's size (d = 64, the encoder's 2 blocks and 2 heads, 50 items), not its
//! code. Where a preset departs from its paper, and why: ARCHITECTURE.md, "Designs"; what the reference
//! codes do, line by line: docs/reference-designs.md.

use seqdiff_model::DenoiserKind;
use seqdiff_model::config::{Design, NoiseSchedule, Scoring};
use seqdiff_model::train::X0Target;

use crate::TrainArgs;

/// One option a design sets: its id on the command line (clap's, the field's name) and its value.
type Setting = (&'static str, fn(&mut TrainArgs));

/// DiffuRec and DiffuRecSys (one code base): the noisy target, scaled by λ ~ N(0.001, 0.001²), enters the
/// history tokens and the encoder (the Approximator) re-runs at every step; every target is a sample with
/// its prefix as input (`split_onebyone`), 8 windows a batch making ≈ 400 of them (theirs: 512); T = 32 steps
/// of `trunc_lin`; the raw target embedding is diffused and trained through; CE on x̂0 is the only loss (no
/// encoder loss, no MSE); x̂0 is scored by a dot product with the raw table; no repeat offset; no condition
/// dropout (they are never guided); x̂0 predicted directly; dropout 0.1; the item table drawn from N(0, 1)
/// and entering the encoder unscaled (DiffuRec layer-normalises it instead).
const DIFFUREC_FAMILY: [Setting; 17] = [
    ("item_init_std", |a| a.item_init_std = 1.0),
    ("input_scale", |a| a.input_scale = Some(1.0)),
    ("token_noise", |a| a.token_noise = 0.001),
    ("batch_size", |a| a.batch_size = 8),
    // The MLP is not used by these approximators; width 1 keeps one module layout for every design.
    ("denoiser_hidden", |a| a.denoiser_hidden = 1),
    ("schedule", |a| a.schedule = NoiseSchedule::TruncatedLinear),
    ("diffusion_steps", |a| a.diffusion_steps = 32),
    ("x0_target", |a| a.x0_target = X0Target::Embedding),
    ("ce_weight", |a| a.ce_weight = 1.0),
    ("mse_weight", |a| a.mse_weight = 0.0),
    ("encoder_ce_weight", |a| a.encoder_ce_weight = 0.0),
    ("denoiser_on_top", |a| a.denoiser_on_top = false),
    ("scoring", |a| a.scoring = Scoring::Dot),
    ("repeat_offset", |a| a.repeat_offset = false),
    ("p_uncond", |a| a.p_uncond = 0.0),
    ("residual_denoiser", |a| a.residual_denoiser = false),
    ("dropout", |a| a.dropout = 0.1),
];

/// DiffuRec: λ ⊙ (x_t + τ(t)) is added to every history token.
const DIFFUREC: [Setting; 1] = [("denoiser", |a| a.denoiser = DenoiserKind::HistoryTokens)];

/// DiffuRecSys: DiffuRec with a cross-attention Approximator (λ ⊙ (x_t + τ(t)) queries the history tokens,
/// and what it reads joins every token before the encoder re-runs) and offset noise (0.1, the seed paper's
/// scale).
const DIFFURECSYS: [Setting; 2] =
    [("denoiser", |a| a.denoiser = DenoiserKind::HistoryCrossAttn), ("offset_noise", |a| a.offset_noise = 0.1)];

/// DreamRec: the encoder trained only through the diffusion loss, an MSE between x̂0 and the raw target
/// embedding (no CE anywhere); an MLP denoiser on [x_t, h, τ(t)] predicting x̂0 directly; 10% condition
/// dropout to a learned ∅ for classifier-free guidance; T = 200 steps of its `exp` schedule; dot
/// scoring with the raw table; no repeat offset; dropout 0.1; the item table drawn from N(0, 1) and
/// entering the encoder unscaled.
const DREAMREC: [Setting; 15] = [
    ("item_init_std", |a| a.item_init_std = 1.0),
    ("input_scale", |a| a.input_scale = Some(1.0)),
    ("schedule", |a| a.schedule = NoiseSchedule::VpExponential),
    ("diffusion_steps", |a| a.diffusion_steps = 200),
    ("x0_target", |a| a.x0_target = X0Target::Embedding),
    ("ce_weight", |a| a.ce_weight = 0.0),
    ("mse_weight", |a| a.mse_weight = 1.0),
    ("encoder_ce_weight", |a| a.encoder_ce_weight = 0.0),
    ("denoiser_on_top", |a| a.denoiser_on_top = false),
    ("scoring", |a| a.scoring = Scoring::Dot),
    ("repeat_offset", |a| a.repeat_offset = false),
    ("p_uncond", |a| a.p_uncond = 0.1),
    ("residual_denoiser", |a| a.residual_denoiser = false),
    ("dropout", |a| a.dropout = 0.1),
    ("denoiser", |a| a.denoiser = DenoiserKind::Mlp),
];

/// Every option `design` sets, in order (a later setting of the same option wins).
pub fn settings(design: Design) -> Vec<Setting> {
    match design {
        Design::Ours => vec![],
        Design::DiffuRec => [&DIFFUREC_FAMILY[..], &DIFFUREC[..]].concat(),
        Design::DiffuRecSys => [&DIFFUREC_FAMILY[..], &DIFFURECSYS[..]].concat(),
        Design::DreamRec => DREAMREC.to_vec(),
    }
}

/// Applies `args.design` to every option the command line did not give (`given(id)`).
pub fn apply(args: &mut TrainArgs, given: &dyn Fn(&str) -> bool) {
    for (id, set) in settings(args.design) {
        if !given(id) {
            set(args);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cli, Command};
    use clap::{CommandFactory, FromArgMatches};

    fn train_args(line: &[&str]) -> TrainArgs {
        let matches = Cli::command().get_matches_from(line);
        let Command::Train(mut args) = Cli::from_arg_matches(&matches).unwrap().command else { panic!("train") };
        let (_, train) = matches.subcommand().unwrap();
        design::apply(&mut args, &|id| train.value_source(id) == Some(clap::parser::ValueSource::CommandLine));
        args
    }
    use crate::design;

    #[test]
    fn every_setting_names_a_real_option() {
        let command = Cli::command();
        let train = command.find_subcommand("train").unwrap();
        for design in Design::ALL {
            for (id, _) in settings(design) {
                assert!(train.get_arguments().any(|a| a.get_id() == id), "{design:?}: no option {id}");
            }
        }
    }

    #[test]
    fn a_design_sets_its_mechanism_and_the_command_line_still_wins() {
        let base = ["seqdiff", "train", "--data", "d", "--out", "o"];
        let dream = train_args(&[&base[..], &["--design", "dreamrec"]].concat());
        let (model, train) = (dream.model_config(10), dream.train_config());
        assert_eq!(
            (model.diffusion_steps, model.schedule, model.design),
            (200, NoiseSchedule::VpExponential, Design::DreamRec)
        );
        assert_eq!((train.ce_weight, train.mse_weight, train.encoder_ce_weight), (0.0, 1.0, 0.0));
        assert!(!train.denoiser_on_top && !model.residual_denoiser && !model.repeat_offset);
        let diffurec = train_args(&[&base[..], &["--design", "diffurec", "--diffusion-steps", "8"]].concat());
        let model = diffurec.model_config(10);
        assert_eq!((model.denoiser, model.diffusion_steps, model.token_noise), (DenoiserKind::HistoryTokens, 8, 0.001));
        assert_eq!(diffurec.train_config().batch_size, 8);
        let sys = train_args(&[&base[..], &["--design", "diffurecsys"]].concat());
        assert_eq!((sys.denoiser, sys.offset_noise, sys.p_uncond), (DenoiserKind::HistoryCrossAttn, 0.1, 0.0));
        assert_eq!((sys.token_noise, sys.batch_size), (0.001, 8));
        // The bare command is ours: the library's recipe.
        let ours = train_args(&base);
        assert_eq!((ours.design, ours.train_config()), (Design::Ours, seqdiff_model::train::TrainConfig::default()));
    }
}
