//! Eligibility rules: who should hold each protection. Rules are data
//! (`eligibility.toml`), so users can change them without touching code.

use serde::{Deserialize, Serialize};
use toklon_types::{Employment, Protection, ProtectionSet};

use crate::{Error, PersonFacts, PersonType, Sex};

const BUILTIN: &str = include_str!("../eligibility.toml");

/// One rule: a protection and the conditions (all must hold) that make a person
/// eligible for it. Several rules for one protection are alternatives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub protection: Protection,
    /// Inclusive bounds; an unknown age never meets a bound.
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
    pub sex: Option<Sex>,
    pub disabled: Option<bool>,
    pub chronic_ill: Option<bool>,
    pub poor_household: Option<bool>,
    /// Employment must be one of these (an unknown employment never matches).
    pub employment: Option<Vec<Employment>>,
    /// Fails for aliens (ID 6-7) and people without status (ID 0); passes otherwise,
    /// including when the person type is unknown (a malformed ID is not evidence).
    pub thai_only: bool,
    /// Where the rule comes from.
    pub source: String,
}

/// The facts a rule looks at besides [`PersonFacts`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Context {
    pub poor_household: bool,
}

impl Rule {
    pub fn holds(&self, p: &PersonFacts, ctx: Context) -> bool {
        let age_ok = if self.min_age.is_none() && self.max_age.is_none() {
            true
        } else {
            p.age.is_some_and(|a| {
                self.min_age.is_none_or(|m| a >= m) && self.max_age.is_none_or(|m| a <= m)
            })
        };
        age_ok
            && self.sex.is_none_or(|s| p.sex == Some(s))
            && self.disabled.is_none_or(|d| p.disabled == d)
            && self.chronic_ill.is_none_or(|c| p.chronic_ill == c)
            && self.poor_household.is_none_or(|h| ctx.poor_household == h)
            && self
                .employment
                .as_ref()
                .is_none_or(|list| p.employment.is_some_and(|e| list.contains(&e)))
            && (!self.thai_only
                || !matches!(
                    p.person_type,
                    Some(PersonType::Alien | PersonType::NoStatus)
                ))
    }
}

/// A rule set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    rules: Vec<Rule>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default, rename = "rule")]
    rules: Vec<RawRule>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    protection: String,
    #[serde(default)]
    min_age: Option<u32>,
    #[serde(default)]
    max_age: Option<u32>,
    #[serde(default)]
    sex: Option<String>,
    #[serde(default)]
    disabled: Option<bool>,
    #[serde(default)]
    chronic_ill: Option<bool>,
    #[serde(default)]
    poor_household: Option<bool>,
    #[serde(default)]
    employment: Option<Vec<String>>,
    #[serde(default)]
    thai_only: bool,
    source: String,
}

impl Rules {
    /// The built-in rules as written (with their comments), for `toklon catalog`.
    pub fn builtin_toml() -> &'static str {
        BUILTIN
    }

    /// The built-in rule set (`eligibility.toml`, DOMAIN.md §2 default eligibility).
    pub fn builtin() -> Rules {
        // Tested in `builtin_parses`; the empty fallback cannot be reached.
        Rules::from_toml(BUILTIN).unwrap_or(Rules { rules: Vec::new() })
    }

    /// Parses a rule file; protection, sex and employment codes are checked.
    pub fn from_toml(text: &str) -> Result<Rules, Error> {
        let raw: RawRules = toml::from_str(text).map_err(|e| Error::Toml {
            what: "eligibility",
            source: Box::new(e),
        })?;
        let mut rules = Vec::with_capacity(raw.rules.len());
        for (i, r) in raw.rules.into_iter().enumerate() {
            let rule_no = i + 1;
            let protection = Protection::from_code(r.protection.trim()).ok_or_else(|| {
                Error::UnknownProtection {
                    owner: format!("rule {rule_no}"),
                    code: r.protection.clone(),
                }
            })?;
            if let (Some(min), Some(max)) = (r.min_age, r.max_age) {
                if min > max {
                    return Err(Error::BadAgeRange {
                        owner: format!("rule {rule_no}"),
                        min,
                        max,
                    });
                }
            }
            let sex = r
                .sex
                .map(|s| {
                    Sex::parse(&s).ok_or(Error::UnknownSex {
                        rule: rule_no,
                        value: s,
                    })
                })
                .transpose()?;
            let employment = r
                .employment
                .map(|list| {
                    list.into_iter()
                        .map(|e| {
                            Employment::parse(&e).ok_or(Error::UnknownEmployment {
                                rule: rule_no,
                                value: e,
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?;
            rules.push(Rule {
                protection,
                min_age: r.min_age,
                max_age: r.max_age,
                sex,
                disabled: r.disabled,
                chronic_ill: r.chronic_ill,
                poor_household: r.poor_household,
                employment,
                thai_only: r.thai_only,
                source: r.source,
            });
        }
        Ok(Rules { rules })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The protections `p` is eligible for.
    pub fn eligible(&self, p: &PersonFacts, ctx: Context) -> ProtectionSet {
        let mut set = ProtectionSet::empty();
        for r in &self.rules {
            if !set.contains(r.protection) && r.holds(p, ctx) {
                set.insert(r.protection);
            }
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Protection::*;

    fn person(age: Option<u32>, sex: Option<Sex>) -> PersonFacts {
        PersonFacts {
            age,
            sex,
            ..PersonFacts::default()
        }
    }

    #[test]
    fn builtin_parses() {
        let r = Rules::from_toml(BUILTIN).unwrap();
        assert_eq!(r, Rules::builtin());
        assert_eq!(r.rules().len(), 11);
        assert!(r.rules().iter().all(|r| r.source.contains("DOMAIN.md")));
    }

    #[test]
    fn default_eligibility() {
        let r = Rules::builtin();
        let ctx = Context::default();
        let baby = r.eligible(&person(Some(2), Some(Sex::Female)), ctx);
        assert_eq!(
            baby.codes(),
            ["sickness", "death", "family_child", "dependents"]
        );
        let mut worker = person(Some(30), Some(Sex::Female));
        worker.employment = Some(Employment::Formal);
        let w = r.eligible(&worker, ctx);
        for p in [
            Sickness,
            Maternity,
            Death,
            Invalidity,
            OldAge,
            Unemployment,
            EmploymentInjury,
        ] {
            assert!(w.contains(p), "{p}");
        }
        assert!(!w.contains(FamilyChild) && !w.contains(Dependents));
        let old = r.eligible(&person(Some(70), Some(Sex::Male)), ctx);
        assert_eq!(old.codes(), ["sickness", "death", "old_age", "dependents"]);
    }

    #[test]
    fn unknown_age_only_age_free() {
        let r = Rules::builtin();
        let mut p = person(None, Some(Sex::Female));
        assert_eq!(
            r.eligible(&p, Context::default()).codes(),
            ["sickness", "death"]
        );
        p.disabled = true;
        assert_eq!(
            r.eligible(&p, Context::default()).codes(),
            ["sickness", "death", "invalidity"]
        );
    }

    #[test]
    fn conditions() {
        let r = Rules::from_toml(
            "[[rule]]\nprotection='family_child'\nmax_age=6\npoor_household=true\nthai_only=true\nsource='t'",
        )
        .unwrap();
        let mut kid = person(Some(3), None);
        assert!(r.eligible(&kid, Context::default()).is_empty());
        let poor = Context {
            poor_household: true,
        };
        assert_eq!(r.eligible(&kid, poor).codes(), ["family_child"]);
        kid.person_type = Some(PersonType::NoStatus);
        assert!(r.eligible(&kid, poor).is_empty());
        kid.person_type = Some(PersonType::Unknown);
        assert_eq!(r.eligible(&kid, poor).len(), 1);
    }

    #[test]
    fn rejects_bad_rules() {
        assert!(matches!(
            Rules::from_toml("[[rule]]\nprotection='x'\nsource='s'"),
            Err(Error::UnknownProtection { .. })
        ));
        assert!(matches!(
            Rules::from_toml("[[rule]]\nprotection='death'\nsource='s'\nage=3"),
            Err(Error::Toml { .. })
        ));
        assert!(matches!(
            Rules::from_toml("[[rule]]\nprotection='death'\nsource='s'\nsex='x'"),
            Err(Error::UnknownSex { rule: 1, .. })
        ));
        assert!(matches!(
            Rules::from_toml("[[rule]]\nprotection='death'\nsource='s'\nemployment=['boss']"),
            Err(Error::UnknownEmployment { .. })
        ));
        assert!(matches!(
            Rules::from_toml("[[rule]]\nprotection='death'\nsource='s'\nmin_age=9\nmax_age=3"),
            Err(Error::BadAgeRange { .. })
        ));
    }
}
