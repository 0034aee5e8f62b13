//! Scope rules: whom the plan's indicators count for each protection (their
//! denominators, DOMAIN.md §2a). Rules are data (`scope.toml`), so users can change
//! them without touching code. The conditions a rule can set ([`Conditions`]) are
//! shared with the entitlement rules ([`crate::Entitlements`]).

use serde::{Deserialize, Serialize};
use toklon_types::{Employment, Protection, ProtectionSet};

use crate::{Error, PersonFacts, Sex};

const BUILTIN: &str = include_str!("../scope.toml");

/// Facts about a person, all of which must hold. `None` means "either".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conditions {
    /// Inclusive bounds; an unknown age never meets a bound.
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
    pub sex: Option<Sex>,
    pub disabled: Option<bool>,
    pub chronic_ill: Option<bool>,
    pub poor_household: Option<bool>,
    /// Employment must be one of these (an unknown employment never matches).
    pub employment: Option<Vec<Employment>>,
    /// Holds CSMBS as its principal, or a government pension (DOMAIN.md §2a).
    pub civil_servant: Option<bool>,
    /// A valid national ID of person type 1-5 or 8 on one of the person's rows or
    /// linked registry records (DOMAIN.md §2a "Thai").
    pub thai: Option<bool>,
}

/// The facts a rule looks at besides [`PersonFacts`], known only once the person's
/// rows and enrolments are pooled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Context {
    pub poor_household: bool,
    pub civil_servant: bool,
    pub thai: bool,
}

impl Conditions {
    pub fn hold(&self, p: &PersonFacts, ctx: Context) -> bool {
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
            && self.civil_servant.is_none_or(|c| ctx.civil_servant == c)
            && self.thai.is_none_or(|t| ctx.thai == t)
            && self
                .employment
                .as_ref()
                .is_none_or(|list| p.employment.is_some_and(|e| list.contains(&e)))
    }
}

/// The conditions as TOML writes them (flat keys, shared by rule and remedy files).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConditions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_age: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chronic_ill: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poor_household: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employment: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub civil_servant: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thai: Option<bool>,
}

impl RawConditions {
    /// Checks the codes; `owner` and `rule` name the rule in errors.
    pub(crate) fn parse(self, owner: &str, rule: usize) -> Result<Conditions, Error> {
        if let (Some(min), Some(max)) = (self.min_age, self.max_age) {
            if min > max {
                return Err(Error::BadAgeRange {
                    owner: owner.to_string(),
                    min,
                    max,
                });
            }
        }
        let sex = self
            .sex
            .map(|s| rule_sex(&s).ok_or(Error::UnknownSex { rule, value: s }))
            .transpose()?;
        let employment = self
            .employment
            .map(|list| {
                list.into_iter()
                    .map(|e| {
                        Employment::parse(&e).ok_or(Error::UnknownEmployment { rule, value: e })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        Ok(Conditions {
            min_age: self.min_age,
            max_age: self.max_age,
            sex,
            disabled: self.disabled,
            chronic_ill: self.chronic_ill,
            poor_household: self.poor_household,
            employment,
            civil_servant: self.civil_servant,
            thai: self.thai,
        })
    }
}

/// `male`/`female` (or `m`/`f`, any case) as written in rule files.
fn rule_sex(s: &str) -> Option<Sex> {
    match s.trim().to_ascii_lowercase().as_str() {
        "male" | "m" => Some(Sex::Male),
        "female" | "f" => Some(Sex::Female),
        _ => None,
    }
}

/// One scope rule: a protection and the conditions (all must hold) that put a person
/// in scope for it. Several rules for one protection are alternatives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub protection: Protection,
    pub when: Conditions,
    /// Where the rule comes from.
    pub source: String,
}

impl Rule {
    pub fn holds(&self, p: &PersonFacts, ctx: Context) -> bool {
        self.when.hold(p, ctx)
    }
}

/// A scope rule set.
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
    civil_servant: Option<bool>,
    /// Earlier rule files' spelling of `thai = true`.
    #[serde(default)]
    thai_only: bool,
    #[serde(default)]
    thai: Option<bool>,
    source: String,
}

impl Rules {
    /// The built-in rules as written (with their comments), for `toklon catalog`.
    pub fn builtin_toml() -> &'static str {
        BUILTIN
    }

    /// The built-in rule set (`scope.toml`, DOMAIN.md §2a "In scope").
    pub fn builtin() -> Rules {
        // Tested in `builtin_parses`; the empty fallback cannot be reached.
        Rules::from_toml(BUILTIN).unwrap_or(Rules { rules: Vec::new() })
    }

    /// Parses a rule file; protection, sex and employment codes are checked.
    pub fn from_toml(text: &str) -> Result<Rules, Error> {
        let raw: RawRules = toml::from_str(text).map_err(|e| Error::Toml {
            what: "scope rules",
            source: Box::new(e),
        })?;
        let mut rules = Vec::with_capacity(raw.rules.len());
        for (i, r) in raw.rules.into_iter().enumerate() {
            let rule_no = i + 1;
            let owner = format!("rule {rule_no}");
            let protection = Protection::from_code(r.protection.trim()).ok_or_else(|| {
                Error::UnknownProtection {
                    owner: owner.clone(),
                    code: r.protection.clone(),
                }
            })?;
            let when = RawConditions {
                min_age: r.min_age,
                max_age: r.max_age,
                sex: r.sex,
                disabled: r.disabled,
                chronic_ill: r.chronic_ill,
                poor_household: r.poor_household,
                employment: r.employment,
                civil_servant: r.civil_servant,
                thai: r.thai.or(r.thai_only.then_some(true)),
            }
            .parse(&owner, rule_no)?;
            rules.push(Rule {
                protection,
                when,
                source: r.source,
            });
        }
        Ok(Rules { rules })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The protections `p` is in scope for.
    pub fn in_scope(&self, p: &PersonFacts, ctx: Context) -> ProtectionSet {
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
        assert_eq!(r.rules().len(), 12);
        assert!(r.rules().iter().all(|r| r.source.contains("DOMAIN.md §2a")));
    }

    #[test]
    fn default_scope() {
        let r = Rules::builtin();
        let ctx = Context::default();
        let baby = r.in_scope(&person(Some(2), Some(Sex::Female)), ctx);
        assert_eq!(baby.codes(), ["sickness", "family_child", "dependents"]);
        let six = r.in_scope(&person(Some(6), Some(Sex::Female)), ctx);
        assert_eq!(six.codes(), ["sickness", "dependents"]);
        let mut worker = person(Some(30), Some(Sex::Female));
        worker.employment = Some(Employment::Formal);
        let w = r.in_scope(&worker, ctx);
        assert_eq!(w.len(), 7);
        assert!(!w.contains(FamilyChild) && !w.contains(Dependents));
        // A civil servant is out of scope for unemployment.
        let cs = Context {
            civil_servant: true,
            ..ctx
        };
        assert!(!r.in_scope(&worker, cs).contains(Unemployment));
        // Not in work: no death or employment_injury; invalidity by age.
        let idle = r.in_scope(&person(Some(30), Some(Sex::Male)), ctx);
        assert_eq!(idle.codes(), ["sickness", "invalidity"]);
        let old = r.in_scope(&person(Some(70), Some(Sex::Male)), ctx);
        assert_eq!(old.codes(), ["sickness", "old_age", "dependents"]);
        // 64 is in work's death scope, 65 is not.
        let mut w64 = person(Some(64), Some(Sex::Male));
        w64.employment = Some(Employment::Informal);
        assert!(r.in_scope(&w64, ctx).contains(Death));
        w64.age = Some(65);
        assert!(!r.in_scope(&w64, ctx).contains(Death));
    }

    #[test]
    fn unknown_age_only_age_free() {
        let r = Rules::builtin();
        let mut p = person(None, Some(Sex::Female));
        assert_eq!(r.in_scope(&p, Context::default()).codes(), ["sickness"]);
        p.disabled = true;
        assert_eq!(
            r.in_scope(&p, Context::default()).codes(),
            ["sickness", "invalidity"]
        );
    }

    #[test]
    fn conditions() {
        let r = Rules::from_toml(
            "[[rule]]\nprotection='family_child'\nmax_age=6\npoor_household=true\nthai_only=true\nsource='t'",
        )
        .unwrap();
        let kid = person(Some(3), None);
        assert!(r.in_scope(&kid, Context::default()).is_empty());
        let poor_thai = Context {
            poor_household: true,
            civil_servant: false,
            thai: true,
        };
        assert_eq!(r.in_scope(&kid, poor_thai).codes(), ["family_child"]);
        let poor_alien = Context {
            thai: false,
            ..poor_thai
        };
        assert!(r.in_scope(&kid, poor_alien).is_empty());
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
