//! DistributedSampler against torch.utils.data.DistributedSampler (fixtures/sampler, written by
//! fixtures/gen/fixtures_sampler.py with the pinned torch), and its use by the DataLoader.
use libtorch::data::{DataLoader, Dataset, DistributedSampler, TensorDataset};
use libtorch::Tensor;
use serde_json::Value;

fn manifest() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sampler/manifest.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn every_rank_gets_pytorchs_indices() {
    let m = manifest();
    let cases = m["cases"].as_array().unwrap();
    assert!(cases.len() >= 10);
    for case in cases {
        let n = case["n"].as_u64().unwrap() as usize;
        let replicas = case["num_replicas"].as_u64().unwrap() as usize;
        let epoch = case["epoch"].as_u64().unwrap();
        let expected = case["indices"].as_array().unwrap();
        assert_eq!(expected.len(), replicas);
        for (rank, want) in expected.iter().enumerate() {
            let want: Vec<usize> = want
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect();
            let mut s = DistributedSampler::new(n, replicas, rank)
                .unwrap()
                .shuffle(case["shuffle"].as_bool().unwrap())
                .seed(case["seed"].as_u64().unwrap())
                .drop_last(case["drop_last"].as_bool().unwrap());
            s.set_epoch(epoch);
            assert_eq!(s.indices().unwrap(), want, "{case}, rank {rank}");
            assert_eq!(s.num_samples(), want.len(), "{case}");
            assert_eq!(s.indices_at(epoch).unwrap(), want);
        }
    }
}

#[test]
fn a_rank_outside_the_group_is_refused() {
    let err = DistributedSampler::new(10, 2, 2).unwrap_err();
    assert!(
        err.to_string()
            .contains("Invalid rank 2, rank should be in the interval [0, 1]"),
        "{err}"
    );
    // Without a process group there is no default world.
    assert!(DistributedSampler::from_default_group(10).is_err());
}

#[test]
fn the_loader_batches_the_samplers_indices_per_epoch() {
    let ds = TensorDataset::new(Tensor::zeros(&[11, 2]), Tensor::arange(11)).unwrap();
    let n = ds.len();
    let sampler = DistributedSampler::new(n, 3, 2).unwrap().seed(9);
    let mut loader = DataLoader::new(ds, 2)
        .unwrap()
        .sampler(sampler.clone())
        .unwrap()
        .num_workers(1);
    assert_eq!(loader.len(), 2); // 4 indices per rank
    for epoch in 0..2 {
        let mut labels = Vec::new();
        for batch in loader.epoch() {
            labels.extend(batch.unwrap().1.to_vec::<i64>().unwrap());
        }
        let want: Vec<i64> = sampler
            .indices_at(epoch)
            .unwrap()
            .into_iter()
            .map(|i| i as i64)
            .collect();
        assert_eq!(labels, want, "epoch {epoch}");
    }
    // Different epochs shuffle differently.
    assert_ne!(
        sampler.indices_at(0).unwrap(),
        sampler.indices_at(1).unwrap()
    );
    // shuffle and sampler exclude each other, and the sampler must fit the dataset.
    let ds = TensorDataset::new(Tensor::zeros(&[11, 2]), Tensor::arange(11)).unwrap();
    let err = DataLoader::new(ds, 2)
        .unwrap()
        .shuffle(0)
        .sampler(sampler)
        .err()
        .unwrap();
    assert!(err.to_string().contains("mutually exclusive"), "{err}");
    let ds = TensorDataset::new(Tensor::zeros(&[5, 2]), Tensor::arange(5)).unwrap();
    let other = DistributedSampler::new(11, 3, 0).unwrap();
    assert!(DataLoader::new(ds, 2).unwrap().sampler(other).is_err());
}
