//! `seqdiff eval`: HR/NDCG@5/10/20 ×100 on a split, as a table or one JSON object.

use anyhow::Result;
use seqdiff_model::evaluate::{evaluate, evaluate_encoder, split_cases};
use seqdiff_model::{Recommender, SamplingConfig};

use crate::checkpoint::{device, load_matching_dataset, load_model};
use crate::{EvalArgs, SamplingArgs};

/// Unset options fall back to the checkpoint's validated defaults.
pub fn resolve(args: &SamplingArgs, defaults: &SamplingConfig) -> SamplingConfig {
    SamplingConfig {
        guidance: args.guidance.unwrap_or(defaults.guidance),
        steps: args.steps.unwrap_or(defaults.steps),
        eta: args.eta.unwrap_or(defaults.eta),
        ensemble: args.ensemble.unwrap_or(defaults.ensemble),
        seed: args.seed.unwrap_or(defaults.seed),
        start: args.start.unwrap_or(defaults.start),
    }
}

pub fn run(args: EvalArgs) -> Result<()> {
    let dev = device(args.device)?;
    let (manifest, model) = load_model(&args.model, &dev)?;
    let dataset = load_matching_dataset(&args.data, &manifest)?;
    let sampling = resolve(&args.sampling, &manifest.sampling).clamped(manifest.model.diffusion_steps);
    let rec = Recommender::new(model);
    let encoder = args.encoder || manifest.encoder_only;
    // Steps 0 is the encoder alone too, reached through the sampler.
    let scored_by_encoder = encoder || sampling.steps == 0;
    let cases = split_cases(&dataset, args.split);
    let metrics = if encoder {
        evaluate_encoder(&rec, &cases, args.batch)
    } else {
        evaluate(&rec, &cases, &sampling, args.batch)
    };
    if args.json {
        let mut value = serde_json::to_value(metrics)?;
        value["split"] = format!("{:?}", args.split).to_lowercase().into();
        if scored_by_encoder {
            value["scored_by"] = "encoder".into();
        }
        if !encoder {
            value["sampling"] = serde_json::to_value(&sampling)?;
        }
        if rec.model.repeat_bias.is_some() {
            value["repeat_offset"] = rec.repeat_offset().into();
        }
        println!("{value}");
    } else {
        if scored_by_encoder {
            println!("{:?} split, the encoder alone", args.split);
        } else {
            println!("{:?} split, {:?}", args.split, sampling);
        }
        println!("{metrics}");
    }
    Ok(())
}
