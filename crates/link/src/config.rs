use serde::{Deserialize, Serialize};

use crate::LinkError;
use crate::block::{BlockingRule, MAX_KEY_PARTS};
use crate::compare::{FieldSpec, MAX_FIELDS, NameThresholds};

/// Most blocking rules a configuration may hold (the fit marks a pair's rules
/// as bits of a `u64`).
pub const MAX_RULES: usize = 64;

/// Every knob of the linkage, with defaults tuned on synthetic Thai data. Read from
/// the `[link]` table of a job file; unknown keys are an error so typos fail at once.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LinkConfig {
    /// Candidate-generation rules; a pair is a candidate if any rule puts both rows
    /// in the same block.
    pub blocking: Vec<BlockingRule>,
    /// Blocks with more population rows than this are skipped (and counted): they
    /// would cost much and discriminate little.
    pub max_block_size: usize,
    /// Fields compared for every candidate pair, in output order (`level_<field>`).
    pub comparisons: Vec<FieldSpec>,
    /// Thresholds for graded name agreement.
    pub names: NameThresholds,
    /// Minimum match probability for a link. The default, 0.5, is the Bayes
    /// decision rule with equal costs for a false and a missed link: link when
    /// the fitted model's posterior `P(match | levels)` (prior λ from the
    /// one-to-one fixed point, `m` by EM, `u` from random pairs) says a match is
    /// more likely than not. Raise it when a false link costs more than a
    /// missed one (`c_false / (c_false + c_missed)`).
    pub threshold: f64,
    /// When the runner-up is a different person whose match weight is within this
    /// many bits of the best, the record is ambiguous.
    pub margin: f64,
    /// Pairs behind `u`: the cross product of a base and a registry sample of
    /// about √ this many rows each (all pairs when there are fewer).
    pub u_sample_pairs: u64,
    /// At most this many registry rows feed EM and the prior; the candidate
    /// patterns of a few hundred thousand rows pin `m` down.
    pub fit_sample_rows: usize,
    /// Seed of every sample. Samples are drawn by a hash of record IDs and the
    /// seed ([`crate::sample`]), never by row position, so any split of the
    /// rows across machines draws the same.
    pub seed: u64,
    pub em: EmConfig,
    /// Floor for a term-frequency-adjusted `u` (a name seen once in a huge base must
    /// not get an unbounded weight).
    pub tf_min_u: f64,
}

/// Convergence settings of the EM fit.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct EmConfig {
    pub max_iterations: usize,
    /// Blocking rules (by name) whose pairs feed one EM session each, as in
    /// Splink: within a session the rule's own fields are left out (every pair
    /// agrees on them by construction) and `m` is learnt for the others; a
    /// field's `m` is the mean over the sessions that learnt it. EM over the union
    /// of all candidates instead finds households (relatives share surname and
    /// address), not people.
    pub sessions: Vec<String>,
    /// Stop when no parameter moves more than this between iterations.
    pub tolerance: f64,
}

impl Default for EmConfig {
    fn default() -> Self {
        EmConfig {
            max_iterations: 100,
            sessions: vec![
                "national_id".to_owned(),
                "birth_date_first_phonetic".to_owned(),
                "first_last_phonetic_district".to_owned(),
            ],
            tolerance: 1e-6,
        }
    }
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            blocking: BlockingRule::defaults(),
            max_block_size: 500,
            comparisons: FieldSpec::defaults(),
            names: NameThresholds::default(),
            threshold: 0.5,
            margin: 2.0,
            u_sample_pairs: 250_000,
            fit_sample_rows: 100_000,
            seed: 42,
            em: EmConfig::default(),
            tf_min_u: 1e-6,
        }
    }
}

impl LinkConfig {
    /// Checks the settings the code relies on; the engine calls it when it reads
    /// the job so that `toklon check` reports problems before any work.
    pub fn validate(&self) -> Result<(), LinkError> {
        if self.blocking.is_empty() {
            return Err(LinkError::NoRules);
        }
        if self.blocking.len() > MAX_RULES {
            return Err(LinkError::TooManyRules {
                count: self.blocking.len(),
                max: MAX_RULES,
            });
        }
        for r in &self.blocking {
            if r.parts.is_empty() {
                return Err(LinkError::EmptyRule {
                    rule: r.name.clone(),
                });
            }
            if r.parts.len() > MAX_KEY_PARTS {
                return Err(LinkError::TooManyParts {
                    rule: r.name.clone(),
                    parts: r.parts.len(),
                    max: MAX_KEY_PARTS,
                });
            }
            if let Some(split) = &r.split {
                if split.by.is_empty() || split.by.len() > MAX_KEY_PARTS {
                    return Err(LinkError::SplitParts {
                        rule: r.name.clone(),
                        parts: split.by.len(),
                        max: MAX_KEY_PARTS,
                    });
                }
            }
        }
        for s in &self.em.sessions {
            if !self.blocking.iter().any(|r| &r.name == s) {
                return Err(LinkError::UnknownSession { rule: s.clone() });
            }
        }
        if self.comparisons.is_empty() {
            return Err(LinkError::NoFields);
        }
        if self.comparisons.len() > MAX_FIELDS {
            return Err(LinkError::TooManyFields {
                count: self.comparisons.len(),
                max: MAX_FIELDS,
            });
        }
        for (i, f) in self.comparisons.iter().enumerate() {
            if self.comparisons[..i].iter().any(|g| g.field == f.field) {
                return Err(LinkError::DuplicateField { field: f.field });
            }
        }
        let unit = |name, value: f64, lo: f64, hi: f64, expected| {
            if value.is_finite() && value > lo && value < hi {
                Ok(())
            } else {
                Err(LinkError::OutOfRange {
                    name,
                    value,
                    expected,
                })
            }
        };
        unit("threshold", self.threshold, 0.0, 1.0, "(0, 1)")?;
        unit("tf_min_u", self.tf_min_u, 0.0, 1.0, "(0, 1)")?;
        unit("em.tolerance", self.em.tolerance, 0.0, 1.0, "(0, 1)")?;
        unit("margin", self.margin, -1e-300, f64::MAX, "[0, ∞)")?;
        unit(
            "names.jw_close",
            self.names.jw_close,
            0.0,
            1.0 + 1e-12,
            "(0, 1]",
        )?;
        unit(
            "names.jw_similar",
            self.names.jw_similar,
            0.0,
            1.0 + 1e-12,
            "(0, 1]",
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_rules_than_a_fit_pair_can_mark_are_refused() {
        let mut cfg = LinkConfig::default();
        let rule = cfg.blocking[0].clone();
        while cfg.blocking.len() < MAX_RULES {
            let mut r = rule.clone();
            r.name = format!("rule_{}", cfg.blocking.len());
            cfg.blocking.push(r);
        }
        cfg.validate().unwrap();
        cfg.blocking.push(rule);
        assert_eq!(
            cfg.validate(),
            Err(LinkError::TooManyRules {
                count: MAX_RULES + 1,
                max: MAX_RULES
            })
        );
    }

    #[test]
    fn defaults_validate_and_round_trip() {
        let cfg = LinkConfig::default();
        cfg.validate().unwrap();
        let json = serde_json::to_string(&cfg).unwrap();
        let back: LinkConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cfg);
    }

    #[test]
    fn unknown_keys_and_bad_values_fail() {
        assert!(serde_json::from_str::<LinkConfig>(r#"{"treshold": 0.9}"#).is_err());
        let cfg: LinkConfig = serde_json::from_str(r#"{"threshold": 1.5}"#).unwrap();
        assert!(matches!(cfg.validate(), Err(LinkError::OutOfRange { .. })));
        let cfg: LinkConfig =
            serde_json::from_str(r#"{"blocking": [{"name": "x", "parts": []}]}"#).unwrap();
        assert!(matches!(cfg.validate(), Err(LinkError::EmptyRule { .. })));
        let cfg: LinkConfig = serde_json::from_str(
            r#"{"blocking": [{"name": "x", "parts": ["sex"], "split": {"over": 2, "by": []}}]}"#,
        )
        .unwrap();
        assert!(matches!(cfg.validate(), Err(LinkError::SplitParts { .. })));
    }
}
