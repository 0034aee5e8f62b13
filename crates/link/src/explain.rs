//! Why a pair got its weight, and why a record was linked or not: the match weight
//! taken apart into its Fellegi–Sunter terms, as data (the binary prints it).
//!
//! The weight of a pair is (Fellegi & Sunter 1969, with Splink's term-frequency
//! adjustment)
//!
//! ```text
//! w = log2(λ/(1−λ))                       prior
//!   + Σ_fields log2(m_f(l) / u_f(l))      partial weights (0 at the null level)
//!   + Σ_tf names log2(u_f(exact) / tf(v)) on exact agreement of a tf-adjusted name
//! p = 2^w / (1 + 2^w)
//! ```
//!
//! and [`explain_pair`] returns each term so that they add up to exactly the weight
//! [`crate::score`] used (a test checks it). [`explain_record`] re-runs the decision
//! rule of [`crate::score`] for one registry record over its blocked candidates.

use serde::Serialize;
use toklon_types::RowIdx;

use crate::block::BlockStats;
use crate::compare::{Field, ID_CONFLICT, NAME_SWAPPED, NULL_LEVEL, compare_pair};
use crate::config::LinkConfig;
use crate::decide::{Pick, Scored, UnlinkReason, Verdict};
use crate::error::LinkError;
use crate::model::{Model, PopulationIndex, Scorer, probability};
use crate::prepare::Records;

/// The floor of `m` and `u` inside a logarithm, as in the scorer.
const PROB_FLOOR: f64 = 1e-12;

/// One field's contribution.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Term {
    pub field: Field,
    pub level: u8,
    pub level_name: &'static str,
    /// `P(level | match)` and `P(level | non-match)` (1 and 1 at the null level).
    pub m: f64,
    pub u: f64,
    /// `log2(m/u)`; 0 at the null level.
    pub partial_weight: f64,
    /// Term-frequency adjustment (exact agreement of a tf-adjusted name), else 0.
    pub tf_adjustment: f64,
    /// What a level set by a rule means, for the reader (see
    /// [`Model::pin_rules`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
}

/// The note of a level set by a rule.
fn note(field: Field, level: u8) -> Option<&'static str> {
    match (field, level) {
        (Field::NationalId, ID_CONFLICT) => Some(
            "the national IDs agree but the first names and birth dates clearly differ: \
             an ID shared in a household, taken as no evidence (weight fixed at 0)",
        ),
        (Field::FirstName | Field::LastName, NAME_SWAPPED) => {
            Some("the names agree across fields (first and last name exchanged)")
        }
        _ => None,
    }
}

/// The weight of one pair, term by term.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    /// Row in the population base.
    pub population_row: RowIdx,
    /// Row on the other side (a registry row, or a second base row).
    pub other_row: RowIdx,
    /// `log2(λ/(1−λ))`.
    pub prior: f64,
    pub terms: Vec<Term>,
    /// Prior + partial weights + adjustments.
    pub total: f64,
    pub probability: f64,
}

/// What the decision rule made of a registry record.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum Decision {
    /// Linked to this population row.
    Linked { population_row: RowIdx },
    /// Not linked (the best candidate, if any, is the first explanation).
    Unlinked { reason: UnlinkReason },
}

/// A registry record's best candidates and the decision.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecordExplanation {
    pub registry_row: RowIdx,
    /// Distinct candidates blocking proposed.
    pub candidates: usize,
    /// The best `top` candidates, strongest first (ties: smaller record hash first).
    pub best: Vec<Explanation>,
    pub decision: Decision,
    /// With an ambiguous decision: the weight of the two leading candidates
    /// against each other (they would be one person above the threshold).
    pub runner_up_pair_weight: Option<f64>,
}

/// Explains the weight of population row `i` against row `j` of `other` (a
/// registry, or the base itself for a deduplication pair) under `model`.
pub fn explain_pair(
    pop: &Records,
    idx: &PopulationIndex,
    i: usize,
    other: &Records,
    j: usize,
    cfg: &LinkConfig,
    model: &Model,
) -> Result<Explanation, LinkError> {
    model.check(cfg)?;
    let levels = compare_pair(&cfg.comparisons, &cfg.names, pop, i, other, j);
    let (tf_first, tf_last) = idx.name_frequencies(i);
    let prior = (model.lambda / (1.0 - model.lambda)).log2();
    let mut total = prior;
    let mut terms = Vec::with_capacity(cfg.comparisons.len());
    for ((spec, params), &level) in cfg
        .comparisons
        .iter()
        .zip(&model.fields)
        .zip(levels.as_slice())
    {
        let l = level as usize;
        let (m, u) = (
            params.m.get(l).copied().unwrap_or(1.0),
            params.u.get(l).copied().unwrap_or(1.0),
        );
        let (partial_weight, tf_adjustment) = if level == NULL_LEVEL {
            (0.0, 0.0)
        } else {
            let w = (m.max(PROB_FLOOR) / u.max(PROB_FLOOR)).log2();
            let freq = match spec.field {
                Field::FirstName => f64::from(tf_first),
                Field::LastName => f64::from(tf_last),
                _ => 0.0,
            };
            let adj = if level == 1 && spec.tf_adjust && freq > 0.0 {
                let base = params.u.get(1).copied().unwrap_or(1.0);
                base.max(PROB_FLOOR).log2() - freq.max(cfg.tf_min_u).log2()
            } else {
                0.0
            };
            (w, adj)
        };
        total += partial_weight + tf_adjustment;
        terms.push(Term {
            field: spec.field,
            level,
            level_name: spec.field.level_names().get(l).copied().unwrap_or("?"),
            m,
            u,
            partial_weight,
            tf_adjustment,
            note: note(spec.field, level),
        });
    }
    Ok(Explanation {
        population_row: RowIdx(i as u32),
        other_row: RowIdx(j as u32),
        prior,
        terms,
        total,
        probability: probability(total),
    })
}

/// Explains registry row `j`: its candidates through the same blocking as the
/// run, the best `top` of them term by term, and the decision of the rule in
/// [`crate::score`] (best candidate under the threshold: below threshold; a second
/// candidate within `margin` bits that is not the same person as the best:
/// ambiguous; else linked).
pub fn explain_record(
    pop: &Records,
    idx: &PopulationIndex,
    reg: &Records,
    j: usize,
    cfg: &LinkConfig,
    model: &Model,
    top: usize,
) -> Result<RecordExplanation, LinkError> {
    cfg.validate()?;
    let scorer = Scorer::new(model, cfg)?;
    let mut cand = Vec::new();
    let mut stats = BlockStats::empty(&idx.blocks);
    idx.blocks.candidates(reg, j, &mut cand, &mut stats);
    // Strongest first, in the decision rule's own order (see `Scored`).
    let mut scored: Vec<Scored<u32>> = cand
        .iter()
        .map(|&i| {
            let iu = i as usize;
            let levels = compare_pair(&cfg.comparisons, &cfg.names, pop, iu, reg, j);
            let (tf_first, tf_last) = idx.name_frequencies(iu);
            Scored {
                population: i,
                id_hash: pop.id_hash(iu),
                weight: scorer.weight(&levels, tf_first, tf_last),
                levels,
            }
        })
        .collect();
    scored.sort_by(Scored::rank_cmp);
    let best = scored
        .iter()
        .take(top.max(1))
        .map(|s| explain_pair(pop, idx, s.population as usize, reg, j, cfg, model))
        .collect::<Result<Vec<_>, _>>()?;
    let pick = Pick {
        best: scored.first().copied(),
        second: scored.get(1).copied(),
    };
    let mut runner_up_pair_weight = None;
    let verdict = pick.decide(cfg, &scorer, |b, s| {
        let pw = scorer.weight_pop(cfg, pop, idx, b as usize, s as usize);
        runner_up_pair_weight = Some(pw);
        pw
    });
    let decision = match verdict {
        Verdict::Link { population, .. } => Decision::Linked {
            population_row: RowIdx(population),
        },
        Verdict::Unlinked { reason, .. } => Decision::Unlinked { reason },
    };
    Ok(RecordExplanation {
        registry_row: RowIdx(j as u32),
        candidates: cand.len(),
        best,
        decision,
        runner_up_pair_weight,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::score;
    use crate::prepare::PrepareOptions;
    use crate::testutil::table;

    fn setup() -> (Records, Records) {
        let pop = table(
            "p",
            &[
                [
                    Some("1101700207030"),
                    Some("สมชาย"),
                    Some("ใจดี"),
                    Some("M"),
                    Some("2530-03-15"),
                    Some("100101"),
                    Some("4"),
                ],
                [
                    None,
                    Some("นายสมชาย"),
                    Some("ใจดี"),
                    None,
                    Some("2530-03-15"),
                    Some("100101"),
                    Some("4"),
                ],
                [
                    Some("3300100234567"),
                    Some("ประยุทธ"),
                    Some("ศรีสุข"),
                    Some("M"),
                    Some("2510-07-07"),
                    Some("300101"),
                    Some("2"),
                ],
                [
                    Some("1300100998877"),
                    Some("ประยุทธ"),
                    Some("ศรีสุข"),
                    Some("M"),
                    Some("2525-11-30"),
                    Some("300101"),
                    Some("2"),
                ],
                [
                    Some("3100600123458"),
                    Some("สมศรี"),
                    Some("รักไทย"),
                    Some("F"),
                    Some("2501-01-02"),
                    Some("100102"),
                    Some("1"),
                ],
            ],
        );
        let reg = table(
            "r",
            &[
                [
                    Some("1-1017-00207-03-0"),
                    Some("นายสมชาย"),
                    Some("ใจดี"),
                    None,
                    None,
                    None,
                    None,
                ],
                [
                    None,
                    Some("สมชาย"),
                    Some("ใจดี"),
                    Some("1"),
                    Some("15/03/2530"),
                    Some("100101"),
                    None,
                ],
                [
                    None,
                    Some("ประยุทธ"),
                    Some("ศรีสุข"),
                    Some("M"),
                    None,
                    Some("300101"),
                    Some("2"),
                ],
                [
                    None,
                    Some("มานี"),
                    Some("มีตา"),
                    Some("F"),
                    Some("2540-01-01"),
                    Some("900101"),
                    None,
                ],
                // Weak: surname and province only.
                [
                    None,
                    Some("สมหญิง"),
                    Some("รักไทย"),
                    Some("F"),
                    Some("2511-09-09"),
                    Some("100199"),
                    None,
                ],
            ],
        );
        let o = PrepareOptions::default();
        (
            Records::from_table(&pop, &o).0,
            Records::from_table(&reg, &o).0,
        )
    }

    #[test]
    fn terms_add_up_to_the_scored_weight_and_decisions_agree() {
        let (pop, reg) = setup();
        for cfg in [
            LinkConfig::default(),
            LinkConfig {
                threshold: 0.5,
                ..LinkConfig::default()
            },
        ] {
            let model = Model::untrained(&cfg);
            let idx = PopulationIndex::build(&pop, &cfg).unwrap();
            let out = score(&pop, &idx, &reg, &cfg, &model, &|_| {}).unwrap();
            for j in 0..reg.len() {
                let e = explain_record(&pop, &idx, &reg, j, &cfg, &model, 3).unwrap();
                for x in &e.best {
                    let sum: f64 = x.prior
                        + x.terms
                            .iter()
                            .map(|t| t.partial_weight + t.tf_adjustment)
                            .sum::<f64>();
                    assert!((sum - x.total).abs() < 1e-9);
                }
                match e.decision {
                    Decision::Linked { population_row } => {
                        let l = out
                            .links
                            .iter()
                            .find(|l| l.registry_row.get() == j)
                            .expect("linked in the run too");
                        assert_eq!(l.population_row, population_row);
                        assert!((l.weight - e.best[0].total).abs() < 1e-9);
                    }
                    Decision::Unlinked { reason } => {
                        let u = out
                            .unlinked
                            .iter()
                            .find(|u| u.registry_row.get() == j)
                            .expect("unlinked in the run too");
                        assert_eq!(u.reason, reason);
                        if let Some((row, w)) = u.nearest {
                            assert_eq!(e.best[0].population_row, row);
                            assert!((e.best[0].total - w).abs() < 1e-9);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn levels_and_null_terms_read_right() {
        let (pop, reg) = setup();
        let cfg = LinkConfig::default();
        let model = Model::untrained(&cfg);
        let idx = PopulationIndex::build(&pop, &cfg).unwrap();
        let e = explain_pair(&pop, &idx, 0, &reg, 0, &cfg, &model).unwrap();
        let id = &e.terms[0];
        assert_eq!((id.field, id.level_name), (Field::NationalId, "exact"));
        assert!(id.partial_weight > 10.0);
        let date = e
            .terms
            .iter()
            .find(|t| t.field == Field::BirthDate)
            .unwrap();
        assert_eq!((date.level, date.partial_weight), (0, 0.0));
        // A base pair explains the same way (deduplication).
        let d = explain_pair(&pop, &idx, 0, &pop, 1, &cfg, &model).unwrap();
        assert_eq!(d.terms[0].level_name, "null");
        assert!(d.probability > 0.5);
        let e = explain_record(&pop, &idx, &reg, 3, &cfg, &model, 3).unwrap();
        assert_eq!(
            e.decision,
            Decision::Unlinked {
                reason: UnlinkReason::NoCandidate
            }
        );
        assert!(e.best.is_empty());
    }
}
