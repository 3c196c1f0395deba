use seqdiff_model::bundle::*;
use seqdiff_model::data::Dataset;
use seqdiff_model::evaluate::evaluate;
use seqdiff_model::*;
fn main() {
    let dir = std::path::Path::new("runs/ml-100k");
    let m = Manifest::parse(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let model = model_from_bytes(&m.model, std::fs::read(dir.join("last.bpk")).unwrap(), &Device::flex()).unwrap();
    let d = Dataset::load(std::path::Path::new("data/ml-100k")).unwrap();
    let rec = Recommender::new(model);
    let train_cases: Vec<(Vec<u32>, u32)> = d.users.iter().map(|u| (u.train[..u.train.len()-1].to_vec(), *u.train.last().unwrap())).collect();
    let valid_cases: Vec<(Vec<u32>, u32)> = d.users.iter().map(|u| (u.train.clone(), u.valid)).collect();
    let s = SamplingConfig { steps: 1, ..Default::default() };
    println!("train-last {}", evaluate(&rec, &train_cases, &s, false, 256));
    println!("valid {}", evaluate(&rec, &valid_cases, &s, false, 256));
    // encoder-only ranking
    let mut sums = seqdiff_model::metrics::MetricSums::default();
    let keys = rec.model.normalised_items().transpose();
    for (h, t) in valid_cases.iter().take(300) {
        let h: Vec<u32> = h[h.len().saturating_sub(50)..].to_vec();
        let l = h.len();
        let c = rec.model.encode(vec![h]).outputs.slice([0..1, l-1..l]).reshape([1, 64]);
        let sc = c.matmul(keys.clone()).into_data().try_into_vec::<f32>().unwrap();
        sums.add_rank(seqdiff_model::metrics::rank_of(&sc, *t as usize));
    }
    println!("encoder-only valid(300) {}", sums.finish());
}
