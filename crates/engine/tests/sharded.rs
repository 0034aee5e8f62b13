//! Issue 21, item 3: linkage split across machines gives the links, unlinked
//! reasons and dedupe clusters of one machine, at 1, 4 and 16 parts.
//!
//! A world from `toklon_gen` is linked on one machine (`score`, `dedupe`),
//! then through the steps of `toklon_link::shard` with the rows split into parts
//! by a hash of their `(rule, block key)`, each part's rows shuffled and
//! standardized on their own, the censuses counted over other chunks and
//! merged. The models are fitted from the parts too (samples drawn part by
//! part from rows split by a hash of their record ID, candidates' levels from
//! the parts' blocks) and must equal one machine's.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use toklon_gen::{GenConfig, Registry, generate};
use toklon_io::{SourceKind, SourceSpec, read_source};
use toklon_link::sample::{SamplePurpose, bottom_k, merge_bottom_k};
use toklon_link::shard::{
    BlockCensus, BlockKeys, BlockPlan, NameCensus, Side, decide, dedupe_finish_model,
    dedupe_start_model, dedupe_u, dedupe_u_size, fit_link_model, fit_part, fit_sample_size, link_u,
    link_u_sizes, same_person_weight, score_base_part, score_part,
};
use toklon_link::{
    DedupeConfig, DuplicatePair, FitCandidates, FitPair, LinkConfig, Model, NameFreqs,
    PopulationIndex, PrepareOptions, Records, ReviewedPairs, Scored, Scorer, Verdict,
    cluster_pairs, dedupe, fit_dedupe_model, fit_model, probability, score,
};
use toklon_types::{RowIdx, Table};

/// The rows of `t` at `keep`, in that order.
fn subset(t: &Table, keep: &[usize]) -> Table {
    Table {
        source: t.source.clone(),
        rows: keep.iter().map(|&i| t.rows[i]).collect(),
        ids: t.ids.take(keep),
        columns: t.columns.iter().map(|(k, c)| (*k, c.take(keep))).collect(),
    }
}

/// A small deterministic shuffle (Fisher–Yates with splitmix64).
fn shuffle<T>(v: &mut [T], mut seed: u64) {
    for i in (1..v.len()).rev() {
        seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        v.swap(i, (z % (i as u64 + 1)) as usize);
    }
}

/// The part a block goes to.
fn part_of(rule: usize, key: u64, parts: usize) -> usize {
    let h = xxhash_rust::xxh3::xxh3_64(&[(rule as u64).to_le_bytes(), key.to_le_bytes()].concat());
    (h % parts as u64) as usize
}

struct World {
    _dir: tempfile::TempDir,
    population: Table,
    registries: Vec<Table>,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let cfg = GenConfig::default_for(3000, 5);
    generate(&cfg, dir.path(), &|_, _| {}).unwrap();
    let read = |name: &str, path, kind| {
        read_source(&SourceSpec::new(name, path, kind))
            .unwrap()
            .table
    };
    let population = read(
        "population",
        dir.path().join("population.parquet"),
        SourceKind::Population,
    );
    let registries = [Registry::NhsoUcs, Registry::DlaOaa, Registry::Sso]
        .iter()
        .map(|r| {
            read(
                r.name(),
                dir.path()
                    .join("registries")
                    .join(format!("{}.parquet", r.name())),
                SourceKind::Registry,
            )
        })
        .collect();
    World {
        _dir: dir,
        population,
        registries,
    }
}

/// The censuses of the base, counted over `chunks` arbitrary chunks (each
/// standardized on its own) and merged.
fn censuses(pop: &Table, cfg: &LinkConfig, chunks: usize) -> (BlockCensus, NameCensus) {
    let opts = PrepareOptions::default();
    let mut blocks = BlockCensus::new(cfg.blocking.len());
    let mut names = NameCensus::default();
    for c in 0..chunks {
        let keep: Vec<usize> = (c..pop.len()).step_by(chunks).collect();
        let (r, _) = Records::from_table(&subset(pop, &keep), &opts);
        blocks.merge(&BlockCensus::of(&cfg.blocking, &r));
        names.merge(&NameCensus::of(&r));
    }
    (blocks, names)
}

/// `(part, rule, global row)` of every block membership of `t`'s rows.
fn memberships(t: &Table, plan: &BlockPlan, parts: usize) -> Vec<Vec<(usize, usize)>> {
    let (r, _) = Records::from_table(t, &PrepareOptions::default());
    let mut out = vec![Vec::new(); parts];
    for i in 0..r.len() {
        for (rule, key) in plan.keys(&r, i).into_iter().enumerate() {
            if let Some(key) = key {
                out[part_of(rule, key, parts)].push((rule, i));
            }
        }
    }
    out
}

/// One part's rows of one side: standardized on their own, shuffled.
struct PartRows {
    records: Records,
    keys: Vec<BlockKeys>,
    rule: Vec<usize>,
    /// Global row of each part row.
    global: Vec<usize>,
}

fn part_rows(t: &Table, plan: &BlockPlan, mut members: Vec<(usize, usize)>, seed: u64) -> PartRows {
    shuffle(&mut members, seed);
    let global: Vec<usize> = members.iter().map(|&(_, i)| i).collect();
    let (records, _) = Records::from_table(&subset(t, &global), &PrepareOptions::default());
    let keys = (0..records.len()).map(|i| plan.keys(&records, i)).collect();
    PartRows {
        records,
        keys,
        rule: members.iter().map(|&(r, _)| r).collect(),
        global,
    }
}

impl PartRows {
    fn side(&self) -> Side<'_> {
        Side {
            records: &self.records,
            keys: &self.keys,
            rule: &self.rule,
        }
    }
}

/// The rows of `t` split into `parts` by a hash of their record ID, each part
/// shuffled.
fn id_parts(t: &Table, parts: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); parts];
    for i in 0..t.len() {
        let h = xxhash_rust::xxh3::xxh3_64(t.id(i).as_bytes());
        out[(h % parts as u64) as usize].push(i);
    }
    for (p, v) in out.iter_mut().enumerate() {
        shuffle(v, seed + p as u64);
    }
    out
}

/// The sample of `k` rows of `t` for `purpose`, drawn part by part (each
/// standardized on its own) and merged: global rows in rank order.
fn sample_by_parts(
    t: &Table,
    parts: &[Vec<usize>],
    k: usize,
    seed: u64,
    purpose: SamplePurpose,
) -> Vec<usize> {
    let drawn = parts.iter().map(|keep| {
        let (r, _) = Records::from_table(&subset(t, keep), &PrepareOptions::default());
        bottom_k(&r, k, seed, purpose)
            .into_iter()
            .map(|(rank, i)| (rank, keep[i as usize]))
            .collect::<Vec<_>>()
    });
    merge_bottom_k(drawn, k)
        .into_iter()
        .map(|(_, g)| g)
        .collect()
}

/// The rows `rows` of `t`, standardized on their own.
fn gathered(t: &Table, rows: &[usize]) -> Records {
    Records::from_table(&subset(t, rows), &PrepareOptions::default()).0
}

/// The linkage model of `reg_t` against `pop_t` fitted from `parts` parts:
/// samples drawn part by part, the fit rows' candidates from the parts' blocks.
fn fit_by_parts(
    pop_t: &Table,
    reg_t: &Table,
    cfg: &LinkConfig,
    plan: &BlockPlan,
    names: &NameCensus,
    parts: usize,
) -> Model {
    let (pp, rp) = (id_parts(pop_t, parts, 5), id_parts(reg_t, parts, 6));
    let (n_pop, n_reg) = (pop_t.len() as u64, reg_t.len() as u64);
    let (a, b) = link_u_sizes(n_pop, n_reg, cfg);
    let base_s = sample_by_parts(pop_t, &pp, a, cfg.seed, SamplePurpose::LinkUBase);
    let reg_s = sample_by_parts(reg_t, &rp, b, cfg.seed, SamplePurpose::LinkURegistry);
    let (u, u_pairs) = link_u(&gathered(pop_t, &base_s), &gathered(reg_t, &reg_s), cfg);
    let k = fit_sample_size(n_reg, cfg);
    let fit_rows = sample_by_parts(reg_t, &rp, k, cfg.seed, SamplePurpose::LinkFit);
    let is_fit: HashSet<usize> = fit_rows.iter().copied().collect();
    let mut found: HashMap<usize, Vec<FitPair>> = HashMap::new();
    let pop_members = memberships(pop_t, plan, parts);
    let reg_members = memberships(reg_t, plan, parts);
    for (p, (pm, rm)) in pop_members.into_iter().zip(reg_members).enumerate() {
        let rm: Vec<(usize, usize)> = rm.into_iter().filter(|m| is_fit.contains(&m.1)).collect();
        let base = part_rows(pop_t, plan, pm, p as u64 * 3 + 1);
        let regs = part_rows(reg_t, plan, rm, p as u64 * 3 + 2);
        let (tf_first, tf_last) = names.frequencies(&base.records);
        let tf = NameFreqs {
            first: &tf_first,
            last: &tf_last,
        };
        fit_part(base.side(), tf, regs.side(), cfg, |s| {
            found
                .entry(regs.global[s.registry as usize])
                .or_default()
                .push(s.pair);
        });
    }
    let mut cands = FitCandidates::new();
    for &j in &fit_rows {
        let mut pairs = found.remove(&j).unwrap_or_default();
        shuffle(&mut pairs, j as u64);
        cands.push_row(pairs);
    }
    assert!(found.is_empty(), "pairs of rows outside the fit sample");
    fit_link_model(cfg, u, u_pairs, &cands, n_pop).unwrap()
}

/// The dedupe model of `pop_t` fitted from `parts` parts.
fn dedupe_fit_by_parts(
    pop_t: &Table,
    cfg: &LinkConfig,
    plan: &BlockPlan,
    names: &NameCensus,
    parts: usize,
    registry_models: &[&Model],
) -> Model {
    let pp = id_parts(pop_t, parts, 9);
    let n = pop_t.len() as u64;
    let s = sample_by_parts(
        pop_t,
        &pp,
        dedupe_u_size(n, cfg),
        cfg.seed,
        SamplePurpose::DedupeU,
    );
    let (u, u_pairs) = dedupe_u(&gathered(pop_t, &s), cfg);
    let start = dedupe_start_model(cfg, registry_models, u).unwrap();
    let scorer = Scorer::new(&start, cfg).unwrap();
    let fit_rows = sample_by_parts(
        pop_t,
        &pp,
        fit_sample_size(n, cfg),
        cfg.seed,
        SamplePurpose::DedupeFit,
    );
    let mut best: HashMap<usize, f64> = fit_rows.iter().map(|&g| (g, f64::NEG_INFINITY)).collect();
    for (p, pm) in memberships(pop_t, plan, parts).into_iter().enumerate() {
        let base = part_rows(pop_t, plan, pm, p as u64 * 5 + 4);
        let (tf_first, tf_last) = names.frequencies(&base.records);
        let tf = NameFreqs {
            first: &tf_first,
            last: &tf_last,
        };
        score_base_part(base.side(), tf, cfg, &scorer, |s| {
            for row in [s.a, s.b] {
                if let Some(b) = best.get_mut(&base.global[row as usize]) {
                    *b = b.max(s.weight);
                }
            }
        });
    }
    let best: Vec<f64> = fit_rows.iter().map(|g| best[g]).collect();
    dedupe_finish_model(start, u_pairs, &best, n)
}

/// A decision in terms of global rows, weights as bits.
type Decided = BTreeMap<
    u32,
    (
        Option<(u32, u64, &'static str)>,
        Option<&'static str>,
        Option<u32>,
    ),
>;

fn one_machine(
    pop: &Records,
    idx: &PopulationIndex,
    reg: &Records,
    cfg: &LinkConfig,
    m: &Model,
) -> (Decided, u64, toklon_link::BlockStats) {
    let out = score(pop, idx, reg, cfg, m, &|_| {}).unwrap();
    let mut d = Decided::new();
    for l in &out.links {
        d.insert(
            l.registry_row.0,
            (
                Some((l.population_row.0, l.weight.to_bits(), l.method.code())),
                None,
                None,
            ),
        );
    }
    for u in &out.unlinked {
        d.insert(
            u.registry_row.0,
            (None, Some(u.reason.code()), u.nearest.map(|n| n.0.0)),
        );
    }
    (d, out.stats.distinct_pairs, out.stats)
}

#[allow(clippy::too_many_arguments)]
fn split_machines(
    pop_t: &Table,
    pop: &Records,
    reg_t: &Table,
    cfg: &LinkConfig,
    m: &Model,
    plan: &BlockPlan,
    names: &NameCensus,
    parts: usize,
    pairs: u64,
) -> Decided {
    let scorer = Scorer::new(m, cfg).unwrap();
    let pop_members = memberships(pop_t, plan, parts);
    let reg_members = memberships(reg_t, plan, parts);
    // Registry row (global) → its candidates (global base row) from every part.
    let mut cands: HashMap<u32, Vec<Scored<u32>>> = HashMap::new();
    for (p, (pm, rm)) in pop_members.into_iter().zip(reg_members).enumerate() {
        let base = part_rows(pop_t, plan, pm, p as u64 * 2 + 1);
        let regs = part_rows(reg_t, plan, rm, p as u64 * 2 + 2);
        let (tf_first, tf_last) = names.frequencies(&base.records);
        let tf = NameFreqs {
            first: &tf_first,
            last: &tf_last,
        };
        score_part(base.side(), tf, regs.side(), cfg, &scorer, |s| {
            let i = base.global[s.population as usize];
            cands
                .entry(regs.global[s.registry as usize] as u32)
                .or_default()
                .push(Scored {
                    population: i as u32,
                    id_hash: base.records.id_hash(s.population as usize),
                    weight: s.weight,
                    levels: s.levels,
                });
        });
    }
    // Each pair is scored once, in one block of one part: as many as one
    // machine's distinct candidate pairs.
    let mut scored = 0;
    for c in cands.values() {
        let distinct: BTreeSet<u32> = c.iter().map(|s| s.population).collect();
        assert_eq!(distinct.len(), c.len(), "a pair scored twice");
        scored += c.len() as u64;
    }
    assert_eq!(scored, pairs, "{parts} parts");
    let (tf_first, tf_last) = names.frequencies(pop);
    let mut d = Decided::new();
    for j in 0..reg_t.len() as u32 {
        let mut c = cands.remove(&j).unwrap_or_default();
        shuffle(&mut c, u64::from(j));
        let v = decide(c, cfg, &scorer, |a, b| {
            let a = a as usize;
            same_person_weight(
                cfg,
                &scorer,
                pop,
                a,
                (tf_first[a], tf_last[a]),
                pop,
                b as usize,
            )
        });
        let entry = match v {
            Verdict::Link {
                population,
                weight,
                method,
                ..
            } => (
                Some((population, weight.to_bits(), method.code())),
                None,
                None,
            ),
            Verdict::Unlinked { reason, nearest } => {
                (None, Some(reason.code()), nearest.map(|n| n.0))
            }
        };
        d.insert(j, entry);
    }
    d
}

/// Clusters of two rows or more, as sorted record IDs.
type Clusters = BTreeSet<Vec<String>>;
/// Merges as (record ID, record ID, weight bits), IDs in order.
type Merges = BTreeSet<(String, String, u64)>;

/// Clusters as sets of record IDs (only those of two rows or more).
fn clusters_of(
    ids: impl Fn(usize) -> String,
    cluster_of_row: &[(usize, usize)],
) -> BTreeSet<Vec<String>> {
    let mut by_root: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for &(row, root) in cluster_of_row {
        by_root.entry(root).or_default().push(ids(row));
    }
    by_root
        .into_values()
        .filter(|v| v.len() > 1)
        .map(|mut v| {
            v.sort();
            v
        })
        .collect()
}

fn split_dedupe(
    pop_t: &Table,
    cfg: &LinkConfig,
    m: &Model,
    plan: &BlockPlan,
    names: &NameCensus,
    parts: usize,
) -> (Clusters, Merges) {
    let scorer = Scorer::new(m, cfg).unwrap();
    // Merge candidates as global rows, from every part.
    let mut edges: Vec<(usize, usize, f64)> = Vec::new();
    for (p, pm) in memberships(pop_t, plan, parts).into_iter().enumerate() {
        let base = part_rows(pop_t, plan, pm, p as u64 * 7 + 3);
        let (tf_first, tf_last) = names.frequencies(&base.records);
        let tf = NameFreqs {
            first: &tf_first,
            last: &tf_last,
        };
        score_base_part(base.side(), tf, cfg, &scorer, |s| {
            if probability(s.weight) >= cfg.threshold {
                edges.push((
                    base.global[s.a as usize],
                    base.global[s.b as usize],
                    s.weight,
                ));
            }
        });
    }
    // The driver: the rows the edges name, shuffled, standardized on their own.
    let mut nodes: Vec<usize> = edges
        .iter()
        .flat_map(|&(a, b, _)| [a, b])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    shuffle(&mut nodes, 99);
    let local: HashMap<usize, u32> = nodes
        .iter()
        .enumerate()
        .map(|(k, &g)| (g, k as u32))
        .collect();
    let (records, _) = Records::from_table(&subset(pop_t, &nodes), &PrepareOptions::default());
    let (tf_first, tf_last) = names.frequencies(&records);
    let tf = NameFreqs {
        first: &tf_first,
        last: &tf_last,
    };
    let pairs = edges
        .iter()
        .map(|&(a, b, w)| {
            let (a, b) = (local[&a], local[&b]);
            let (levels, weight) =
                toklon_link::dedupe::base_pair(&records, tf, cfg, &scorer, a as usize, b as usize);
            assert_eq!(weight.to_bits(), w.to_bits());
            DuplicatePair {
                a: RowIdx(a.min(b)),
                b: RowIdx(a.max(b)),
                weight,
                probability: probability(weight),
                levels,
            }
        })
        .collect();
    let out = cluster_pairs(
        &records,
        tf,
        cfg,
        m,
        &DedupeConfig::default(),
        &ReviewedPairs::default(),
        pairs,
    )
    .unwrap();
    let id = |local: usize| pop_t.id(nodes[local]).to_owned();
    let rows: Vec<(usize, usize)> = out
        .cluster_of_row
        .iter()
        .enumerate()
        .map(|(i, r)| (i, r.get()))
        .collect();
    let merges = out
        .merges
        .iter()
        .map(|p| {
            let (a, b) = (id(p.a.get()), id(p.b.get()));
            (a.clone().min(b.clone()), a.max(b), p.weight.to_bits())
        })
        .collect();
    (clusters_of(id, &rows), merges)
}

/// Links every registry and deduplicates the base under `cfg` on one machine
/// and split into 1, 4 and 16 parts; returns the crowded blocks one machine
/// met (split in the base, oversized lookups) and the ambiguous records.
fn one_and_split_agree(w: &World, cfg: &LinkConfig) -> (u64, u64, usize) {
    let cfg = cfg.clone();
    let (mut split_blocks, mut oversized, mut ambiguous) = (0, 0, 0);
    let opts = PrepareOptions::default();
    let (pop, _) = Records::from_table(&w.population, &opts);
    let idx = PopulationIndex::build(&pop, &cfg).unwrap();
    let (census, names) = censuses(&w.population, &cfg, 5);
    assert_eq!(
        census,
        BlockCensus::of(&cfg.blocking, &pop),
        "merged census"
    );
    let plan = BlockPlan::new(&cfg, census);
    let mut models = Vec::new();
    for reg_t in &w.registries {
        let (reg, _) = Records::from_table(reg_t, &opts);
        let model = fit_model(&pop, &idx, &reg, &cfg, &|_| {}).unwrap();
        assert!(model.fit.is_some(), "{}: too small to fit", reg_t.source);
        let (want, pairs, stats) = one_machine(&pop, &idx, &reg, &cfg, &model);
        split_blocks = stats.rules.iter().map(|r| r.split_blocks_in_base).sum();
        oversized += stats.rules.iter().map(|r| r.oversized_lookups).sum::<u64>();
        let linked = want.values().filter(|d| d.0.is_some()).count();
        let ties = want.values().filter(|d| d.1 == Some("ambiguous")).count();
        ambiguous += ties;
        eprintln!(
            "{}: {} rows, {linked} links, {ties} ambiguous, {pairs} pairs",
            reg_t.source,
            reg.len()
        );
        assert!(linked > reg.len() / 2, "{}: {linked} links", reg_t.source);
        for parts in [1, 4, 16] {
            let fitted = fit_by_parts(&w.population, reg_t, &cfg, &plan, &names, parts);
            assert_eq!(fitted, model, "{}: model from {parts} parts", reg_t.source);
            assert_eq!(
                serde_json::to_string(&fitted).unwrap(),
                serde_json::to_string(&model).unwrap()
            );
            let got = split_machines(
                &w.population,
                &pop,
                reg_t,
                &cfg,
                &fitted,
                &plan,
                &names,
                parts,
                pairs,
            );
            assert_eq!(got.len(), want.len());
            for (j, d) in &want {
                assert_eq!(
                    got.get(j),
                    Some(d),
                    "{} row {j}, {parts} parts",
                    reg_t.source
                );
            }
        }
        models.push(model);
    }
    let refs: Vec<&Model> = models.iter().collect();
    let dm = fit_dedupe_model(&pop, &idx, &cfg, &refs, &|_| {}).unwrap();
    let one = dedupe(&pop, &idx, &cfg, &dm, &DedupeConfig::default(), &|_| {}).unwrap();
    let rows: Vec<(usize, usize)> = one
        .cluster_of_row
        .iter()
        .enumerate()
        .map(|(i, r)| (i, r.get()))
        .collect();
    let id = |i: usize| w.population.id(i).to_owned();
    let want_clusters = clusters_of(id, &rows);
    let want_merges: Merges = one
        .merges
        .iter()
        .map(|p| {
            (
                id(p.a.get()).min(id(p.b.get())),
                id(p.a.get()).max(id(p.b.get())),
                p.weight.to_bits(),
            )
        })
        .collect();
    eprintln!(
        "base: {} rows, {} clusters, {} merges",
        pop.len(),
        want_clusters.len(),
        want_merges.len()
    );
    assert!(!want_clusters.is_empty(), "the world has duplicates");
    for parts in [1, 4, 16] {
        let fitted = dedupe_fit_by_parts(&w.population, &cfg, &plan, &names, parts, &refs);
        assert_eq!(fitted, dm, "dedupe model from {parts} parts");
        let (clusters, merges) = split_dedupe(&w.population, &cfg, &fitted, &plan, &names, parts);
        assert_eq!(clusters, want_clusters, "{parts} parts");
        assert_eq!(merges, want_merges, "{parts} parts");
    }
    (split_blocks, oversized, ambiguous)
}

#[test]
fn split_linkage_and_dedupe_match_one_machine_at_1_4_and_16_parts() {
    let w = world();
    let (split, _, _) = one_and_split_agree(&w, &LinkConfig::default());
    assert!(split > 0, "no crowded block was split");
}

#[test]
fn crowded_blocks_and_near_ties_split_alike() {
    // Small blocks skipped, more rules splitting, a wide margin (more records
    // weigh their two best candidates against each other): the rules one
    // machine applies to crowded blocks and ties, met often.
    use toklon_link::{KeyPart, Split};
    let w = world();
    // Samples smaller than the sources: the fit rows and `u` rows are a
    // proper subset, drawn part by part.
    let mut cfg = LinkConfig {
        max_block_size: 3,
        margin: 30.0,
        fit_sample_rows: 400,
        u_sample_pairs: 40_000,
        ..LinkConfig::default()
    };
    for rule in &mut cfg.blocking {
        if rule.split.is_none() && rule.name != "national_id" {
            rule.split = Some(Split {
                over: 2,
                by: vec![KeyPart::Sex],
            });
        }
    }
    cfg.blocking.push(toklon_link::BlockingRule {
        name: "birth_year_province".into(),
        parts: vec![KeyPart::BirthYear, KeyPart::Province],
        split: Some(Split {
            over: 6,
            by: vec![KeyPart::Subdistrict],
        }),
    });
    let (split, oversized, ambiguous) = one_and_split_agree(&w, &cfg);
    eprintln!("{split} split blocks, {oversized} oversized lookups, {ambiguous} ambiguous");
    assert!(split > 0 && oversized > 0 && ambiguous > 0);
}

#[test]
fn samples_and_fits_do_not_depend_on_row_order() {
    let w = world();
    let cfg = LinkConfig::default();
    let opts = PrepareOptions::default();
    let fit = |pop_t: &Table, reg_t: &Table| {
        let (pop, _) = Records::from_table(pop_t, &opts);
        let (reg, _) = Records::from_table(reg_t, &opts);
        let idx = PopulationIndex::build(&pop, &cfg).unwrap();
        let sample: Vec<String> = bottom_k(&reg, 300, cfg.seed, SamplePurpose::LinkFit)
            .into_iter()
            .map(|(_, j)| reg_t.id(j as usize).to_owned())
            .collect();
        let model = fit_model(&pop, &idx, &reg, &cfg, &|_| {}).unwrap();
        (sample, model)
    };
    let reg_t = &w.registries[0];
    let (sample, model) = fit(&w.population, reg_t);
    let mut order: Vec<usize> = (0..w.population.len()).collect();
    shuffle(&mut order, 17);
    let mut reg_order: Vec<usize> = (0..reg_t.len()).collect();
    shuffle(&mut reg_order, 18);
    let (sample2, model2) = fit(&subset(&w.population, &order), &subset(reg_t, &reg_order));
    assert_eq!(sample, sample2);
    assert_eq!(
        model, model2,
        "the same model from the rows in another order"
    );
    // Parts' own samples merge into the whole's.
    let parts: Vec<Vec<(u64, String)>> = (0..4)
        .map(|p| {
            let keep: Vec<usize> = reg_order.iter().copied().filter(|i| i % 4 == p).collect();
            let t = subset(reg_t, &keep);
            let (r, _) = Records::from_table(&t, &opts);
            bottom_k(&r, 300, cfg.seed, SamplePurpose::LinkFit)
                .into_iter()
                .map(|(rank, j)| (rank, t.id(j as usize).to_owned()))
                .collect()
        })
        .collect();
    let merged: Vec<String> = merge_bottom_k(parts, 300)
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    assert_eq!(merged, sample);
}
