//! The training objective learns, and weights survive a save/load round trip.
#![cfg(feature = "train")]

use burn::module::Module;
use burn::optim::{AdamWConfig, GradientsParams};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use seqdiff_model::Device;
use seqdiff_model::bundle::{model_from_bytes, weights_to_bytes};
use seqdiff_model::config::{ModelConfig, SamplingConfig, Scoring};
use seqdiff_model::data::{Dataset, UserSequence};
use seqdiff_model::evaluate::{Split, evaluate, evaluate_encoder, split_cases};
use seqdiff_model::model::SeqDiff;
use seqdiff_model::sampler::Recommender;
use seqdiff_model::schedule::cosine_alpha_bars;
use seqdiff_model::train::{TrainConfig, batch_loss, batches, loss, make_windows};

/// Users walk a cycle over 40 items (next = item + 1), starting at different places.
fn cyclic_dataset() -> Dataset {
    let n = 40u32;
    let users = (0..60)
        .map(|u| {
            // Lengths 4..=27: windows get left padding and long users several windows.
            let len = 4 + (u as usize * 5) % 24;
            let seq: Vec<u32> = (0..len as u32).map(|k| (u * 7 + k) % n + 1).collect();
            UserSequence {
                user: u.to_string(),
                train: seq[..len - 2].to_vec(),
                valid: seq[len - 2],
                test: seq[len - 1],
            }
        })
        .collect();
    Dataset { num_items: n as usize, users, catalogue: None }
}

/// Trains a small model on [`cyclic_dataset`] for 40 epochs; returns it with the denoiser's CE on
/// the first and the last batch.
fn train_cyclic(config: &ModelConfig, train: &TrainConfig) -> (SeqDiff, f32, f32) {
    let data = cyclic_dataset();
    let device = Device::flex().autodiff();
    device.seed(3);
    let mut model = SeqDiff::new(config, &device);
    let mut optim = AdamWConfig::new().with_weight_decay(0.0).init();
    let windows = make_windows(&data.users, config.max_len, 0);
    let alpha_bars = cosine_alpha_bars(config.diffusion_steps);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut first = None;
    let mut last = 0.0;
    for _epoch in 0..40 {
        for batch in batches(&windows, train.batch_size, &mut rng) {
            let refs: Vec<_> = batch.iter().map(|&i| &windows[i]).collect();
            let parts = loss(&model, &refs, train, &alpha_bars, &mut rng, false);
            let value = parts.ce.clone().into_scalar::<f32>();
            first.get_or_insert(value);
            last = value;
            let grads = GradientsParams::from_grads(parts.total.backward(), &model);
            model = optim.step(train.learning_rate, model, grads);
        }
    }
    (model, first.unwrap(), last)
}

#[test]
fn training_learns_a_deterministic_successor() {
    let data = cyclic_dataset();
    let config =
        ModelConfig { dim: 32, denoiser_hidden: 64, max_len: 10, dropout: 0.0, ..ModelConfig::new(data.num_items) };
    let train = TrainConfig { batch_size: 16, learning_rate: 3e-3, ..TrainConfig::default() };
    let (model, first, last) = train_cyclic(&config, &train);
    assert!(last < 0.3 * first, "CE should fall: {first} → {last}");

    let rec = Recommender::new(model.valid());
    let m = evaluate(&rec, &split_cases(&data, Split::Test), &SamplingConfig { steps: 5, ..Default::default() }, 16)
        .unmasked;
    // Chance HR@10 is 25% on 40 items; the successor rule is learnable.
    assert!(m.hr10 > 80.0, "{m}");
    // The encoder alone (the auxiliary CE head, `seqdiff train` logs it per epoch) learns it too.
    let encoder = evaluate_encoder(&rec, &split_cases(&data, Split::Test), 16).unmasked;
    assert!(encoder.hr10 > 80.0, "{encoder}");

    // Save → load on a fresh device gives identical scores.
    let bytes = weights_to_bytes(&rec.model).unwrap();
    let loaded = Recommender::new(model_from_bytes(&config, bytes.clone(), &Device::flex()).unwrap());
    let s = SamplingConfig { guidance: 1.0, steps: 4, ..Default::default() };
    assert_eq!(rec.generate(&[vec![1, 2]], &s, false).read(), loaded.generate(&[vec![1, 2]], &s, false).read());
    // Corrupt or mismatched weights are errors, not panics.
    assert!(model_from_bytes(&config, bytes[..bytes.len() / 2].to_vec(), &Device::flex()).is_err());
    assert!(model_from_bytes(&config, b"not a burnpack".to_vec(), &Device::flex()).is_err());
    let other = ModelConfig { dim: 16, ..config.clone() };
    assert!(model_from_bytes(&other, bytes, &Device::flex()).is_err());
}

/// With `diffusion_fraction` below 1 the denoiser sees only a random share of the positions at each
/// step, and still learns the rule (its CE falls and the diffusion output ranks the successor).
#[test]
fn denoiser_learns_from_a_share_of_the_positions() {
    let data = cyclic_dataset();
    let config =
        ModelConfig { dim: 32, denoiser_hidden: 64, max_len: 10, dropout: 0.0, ..ModelConfig::new(data.num_items) };
    let train = TrainConfig { batch_size: 16, learning_rate: 3e-3, diffusion_fraction: 0.3, ..TrainConfig::default() };
    let (model, first, last) = train_cyclic(&config, &train);
    assert!(last < 0.3 * first, "CE should fall: {first} → {last}");
    let rec = Recommender::new(model.valid());
    let m = evaluate(&rec, &split_cases(&data, Split::Test), &SamplingConfig { steps: 5, ..Default::default() }, 16)
        .unmasked;
    assert!(m.hr10 > 80.0, "{m}");
}

/// Splitting a batch across threads changes where the gradient is computed, not what it is: with no
/// randomness in the loss (encoder-only, no dropout) one and two threads give the same gradient.
#[test]
fn split_batch_gradient_equals_whole_batch_gradient() {
    let data = cyclic_dataset();
    let config =
        ModelConfig { dim: 16, denoiser_hidden: 32, max_len: 10, dropout: 0.0, ..ModelConfig::new(data.num_items) };
    let device = Device::flex().autodiff();
    device.seed(5);
    let model = SeqDiff::new(&config, &device);
    let train = TrainConfig::default();
    let windows = make_windows(&data.users, config.max_len, 0);
    let refs: Vec<_> = windows.iter().take(12).collect();
    let alpha_bars = cosine_alpha_bars(config.diffusion_steps);
    let gradient = |threads: usize| {
        let batch = batch_loss(&model, &refs, &train, &alpha_bars, &mut ChaCha8Rng::seed_from_u64(1), threads, true);
        assert_eq!(batch.parts.len(), threads);
        let grads = batch.gradients(&model);
        let table = grads.get::<2>(model.items.weight.id).expect("item table gradient");
        table.into_data().try_into_vec::<f32>().unwrap()
    };
    let (one, two) = (gradient(1), gradient(2));
    let scale = one.iter().fold(0f32, |m, g| m.max(g.abs()));
    assert!(scale > 0.0);
    let worst = one.iter().zip(&two).fold(0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(worst < 1e-4 * scale, "max difference {worst} against max gradient {scale}");
}

/// Trains the encoder alone (the SASRec-CE objective) on `data` for `epochs`; returns the model.
fn train_encoder(data: &Dataset, config: &ModelConfig, epochs: usize) -> SeqDiff {
    let device = Device::flex().autodiff();
    device.seed(4);
    let mut model = SeqDiff::new(config, &device);
    let mut optim = AdamWConfig::new().with_weight_decay(0.0).init();
    let windows = make_windows(&data.users, config.max_len, 0);
    let alpha_bars = cosine_alpha_bars(config.diffusion_steps);
    let train = TrainConfig::default();
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    for _ in 0..epochs {
        for batch in batches(&windows, 16, &mut rng) {
            let refs: Vec<_> = batch.iter().map(|&i| &windows[i]).collect();
            let parts = loss(&model, &refs, &train, &alpha_bars, &mut rng, true);
            let grads = GradientsParams::from_grads(parts.total.backward(), &model);
            model = optim.step(3e-3, model, grads);
        }
    }
    model
}

/// The repeat offset is learned from the data: negative where users never return to an item (the
/// cycle), positive where the next item is always one they had (two items in turn). Dot-product
/// scoring (the SASRec geometry) learns the successor rule too.
#[test]
fn repeat_offset_learns_the_data_s_repeat_behaviour() {
    let cyclic = cyclic_dataset();
    let config = ModelConfig {
        dim: 32,
        max_len: 10,
        dropout: 0.0,
        repeat_offset: true,
        scoring: Scoring::Dot,
        ..ModelConfig::new(cyclic.num_items)
    };
    let model = train_encoder(&cyclic, &config, 15);
    let never = model.repeat_offset();
    assert!(never < -0.5, "no user repeats an item, yet the offset is {never}");
    let rec = Recommender::new(model.valid());
    let m = evaluate_encoder(&rec, &split_cases(&cyclic, Split::Test), 16);
    assert!(m.unmasked.hr10 > 80.0, "{m}");
    // The offset is in the scores: history items are pushed down, so masking changes little.
    assert!((m.unmasked.ndcg10 - m.masked.unwrap().ndcg10).abs() < 5.0, "{m}");

    let alternating = Dataset {
        num_items: 40,
        users: (0..60u32)
            .map(|u| {
                let (a, b) = (u % 40 + 1, (u * 7 + 3) % 40 + 1);
                let b = if a == b { a % 40 + 1 } else { b };
                let seq: Vec<u32> = (0..12).map(|k| if k % 2 == 0 { a } else { b }).collect();
                UserSequence { user: u.to_string(), train: seq[..10].to_vec(), valid: seq[10], test: seq[11] }
            })
            .collect(),
        catalogue: None,
    };
    let always = train_encoder(&alternating, &config, 15).repeat_offset();
    assert!(always > 0.5, "every next item is a repeat, yet the offset is {always}");
}
