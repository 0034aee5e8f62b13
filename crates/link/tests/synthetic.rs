//! End-to-end linkage over synthetic data with known truth.

mod common;

use toklon_link::{LinkConfig, LinkOutcome, PrepareOptions, Records, link};

fn run(threads: usize, n_pop: usize, n_reg: usize) -> (LinkOutcome, common::Synth, Records) {
    let s = common::generate(n_pop, n_reg, 7);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let (out, pop) = pool.install(|| {
        let opts = PrepareOptions::default();
        let (pop, _) = Records::from_table(&s.population, &opts);
        let (reg, _) = Records::from_table(&s.registry, &opts);
        (
            link(&pop, &reg, &LinkConfig::default(), None, &|_| {}).unwrap(),
            pop,
        )
    });
    (out, s, pop)
}

#[test]
fn links_noisy_registry_with_high_precision_and_recall() {
    let (out, s, _) = run(2, 6000, 3000);
    assert_eq!(out.links.len() + out.unlinked.len(), 3000);
    let r = common::evaluate_outcome(&out, &s);
    let fit = out.model.fit.as_ref().unwrap();
    eprintln!(
        "overall {:?}\nhard {:?}\nstats {:?}\nlambda {}",
        r.overall, r.id_missing_or_wrong, out.stats, out.model.lambda
    );
    eprintln!("{}", serde_json::to_string(&out.model.fields).unwrap());
    for s in &fit.sessions {
        assert!(s.converged, "{s:?}");
        for w in s.log_likelihood.windows(2) {
            assert!(w[1] >= w[0] - 1e-9 * w[0].abs());
        }
    }
    assert!(r.overall.precision >= 0.99, "{:?}", r.overall);
    assert!(r.overall.recall >= 0.97, "{:?}", r.overall);
    assert!(
        r.id_missing_or_wrong.precision >= 0.97,
        "{:?}",
        r.id_missing_or_wrong
    );
    assert!(
        r.id_missing_or_wrong.recall >= 0.90,
        "{:?}",
        r.id_missing_or_wrong
    );
}

#[test]
fn outcome_is_identical_on_one_and_two_threads() {
    let (a, _, _) = run(1, 3000, 1500);
    let (b, _, _) = run(2, 3000, 1500);
    assert_eq!(a.model, b.model);
    assert_eq!(a.links, b.links);
    assert_eq!(a.unlinked, b.unlinked);
    assert_eq!(a.stats, b.stats);
}

#[test]
fn scoring_with_the_fits_pairs_gives_the_same_outcome() {
    use toklon_link::{PopulationIndex, fit_model_keeping, score, score_with};
    let s = common::generate(6000, 3000, 11);
    let opts = PrepareOptions::default();
    let (pop, _) = Records::from_table(&s.population, &opts);
    let (reg, _) = Records::from_table(&s.registry, &opts);
    // Every third registry row is a fit row: scoring mixes kept and new pairs.
    let cfg = LinkConfig {
        fit_sample_rows: 1000,
        ..LinkConfig::default()
    };
    let idx = PopulationIndex::build(&pop, &cfg).unwrap();
    let (model, pairs) = fit_model_keeping(&pop, &idx, &reg, &cfg, &|_| {}).unwrap();
    assert!(model.fit.is_some());
    assert!(pairs.heap_bytes() > 0, "the fit kept its pairs");
    let fields = |o: &LinkOutcome| {
        let links: Vec<_> = o
            .links
            .iter()
            .map(|l| {
                (
                    l.registry_row,
                    l.population_row,
                    l.weight.to_bits(),
                    l.method,
                    l.levels,
                )
            })
            .collect();
        let unlinked: Vec<_> = o
            .unlinked
            .iter()
            .map(|u| {
                (
                    u.registry_row,
                    u.reason,
                    u.nearest.map(|(r, w)| (r, w.to_bits())),
                )
            })
            .collect();
        (links, unlinked, serde_json::to_string(&o.stats).unwrap())
    };
    let plain = score(&pop, &idx, &reg, &cfg, &model, &|_| {}).unwrap();
    let kept = score_with(&pop, &idx, &reg, &cfg, &model, Some(&pairs), &|_| {}).unwrap();
    assert_eq!(fields(&plain), fields(&kept));
    // Another registry of the same length must not take these pairs.
    let other = common::generate(6000, 3000, 12);
    let (other, _) = Records::from_table(&other.registry, &opts);
    assert_eq!(other.len(), reg.len());
    let plain = score(&pop, &idx, &other, &cfg, &model, &|_| {}).unwrap();
    let kept = score_with(&pop, &idx, &other, &cfg, &model, Some(&pairs), &|_| {}).unwrap();
    assert_eq!(fields(&plain), fields(&kept));
}
