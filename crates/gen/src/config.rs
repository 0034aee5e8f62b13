//! Generator settings: size, seed, output format, enrolment rates and the
//! corruption model's rates. Every rate is a probability in `[0, 1]`, checked by
//! [`GenConfig::validate`] before any work starts.

use toklon_types::Date;

use crate::GenError;

/// Which files to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// `*.parquet` only (the default: what the engine reads fastest).
    #[default]
    Parquet,
    /// `*.csv` only (UTF-8, header row, no BOM): readable fixtures.
    Csv,
    /// Both, side by side.
    Both,
}

impl OutputFormat {
    pub(crate) fn parquet(self) -> bool {
        matches!(self, OutputFormat::Parquet | OutputFormat::Both)
    }
    pub(crate) fn csv(self) -> bool {
        matches!(self, OutputFormat::Csv | OutputFormat::Both)
    }
}

/// How people enrol (before any corruption). Defaults follow DOMAIN.md §1–2's
/// reported coverage, lowered a little where the brief wants people to fall through.
#[derive(Clone, Debug, PartialEq)]
pub struct EnrolmentRates {
    /// Share of formal workers (22–60) who are civil servants (→ `csmbs`, covering
    /// spouse, children under 20 and parents).
    pub civil_servant: f64,
    /// Share of other formal workers registered in SSO section 33.
    pub sso_s33: f64,
    /// Share of s33 members also in the Workmen's Compensation Fund.
    pub wcf: f64,
    /// Share of non-formal people aged 30–60 who continue voluntarily in section 39
    /// (an ended s33 row plus an active s39 row).
    pub sso_s39: f64,
    /// Share of informal workers aged 15–65 in section 40 (DOMAIN.md: 20.7% in s39/s40).
    pub sso_s40: f64,
    /// Share of informal workers aged 15–60 outside SSO in the National Savings Fund.
    pub nsf: f64,
    /// Share of people without CSMBS or SSO health cover enrolled in UCS.
    pub ucs: f64,
    /// Share of Thai people aged 60+ (not pensioners) receiving the old-age allowance.
    pub oaa: f64,
    /// Share of disabled Thai people receiving the disability allowance.
    pub disability_allowance: f64,
    /// Share of Thai children 0–6 in poor households receiving the child grant.
    pub child_grant: f64,
    /// Share of would-be active enrolments written as ended instead (status `ended`,
    /// `valid_to` in the past): the person truly does not hold the scheme.
    pub ended: f64,
    /// Share of unemployed people aged 18–60 with an ended s33 row.
    pub ended_s33_unemployed: f64,
    /// Share of households deprived in at least one TPMAP dimension.
    pub poor_household: f64,
}

impl Default for EnrolmentRates {
    fn default() -> Self {
        EnrolmentRates {
            civil_servant: 0.15,
            sso_s33: 0.92,
            wcf: 0.85,
            sso_s39: 0.06,
            sso_s40: 0.20,
            nsf: 0.08,
            ucs: 0.97,
            oaa: 0.80,
            disability_allowance: 0.75,
            child_grant: 0.65,
            ended: 0.02,
            ended_s33_unemployed: 0.7,
            poor_household: 0.15,
        }
    }
}

/// The corruption model (see the crate docs for what each does). Registry rows get
/// these rates; the population base is cleaner (its IDs always pass the check digit).
#[derive(Clone, Debug, PartialEq)]
pub struct CorruptionRates {
    /// Registry row with no national ID.
    pub id_missing: f64,
    /// Registry ID with one digit replaced.
    pub id_digit: f64,
    /// Registry ID with two adjacent (different) digits swapped.
    pub id_transposition: f64,
    /// Registry ID replaced by a household member's ID.
    pub id_relative: f64,
    /// Registry ID written with dashes or spaces (presentation only).
    pub id_formatted: f64,
    /// Per name field (first, last) in a registry row: one Thai typo.
    pub name_typo: f64,
    /// Per name field in a population row: one Thai typo.
    pub base_name_typo: f64,
    /// Registry row written in Latin script (RTGS-like, with spelling variants).
    pub romanized: f64,
    /// Married woman's registry row carrying her maiden surname.
    pub maiden_name: f64,
    /// Birth date with day and month unknown (`00`); people born before 1950 get
    /// five times this rate.
    pub date_unknown: f64,
    /// Birth date with day and month swapped (when both ≤ 12).
    pub date_swapped: f64,
    /// Birth year off by one.
    pub date_year_off: f64,
    /// Registry row with a different address (moved: another subdistrict).
    pub moved: f64,
    /// Person who appears in registries but not in the population base.
    pub missing_from_base: f64,
    /// Person written twice in the base (new record_id, small corruptions).
    pub base_duplicate: f64,
    /// Registry row with the first name in the last-name field and the reverse.
    pub names_swapped: f64,
    /// Population row with the name fields swapped.
    pub base_names_swapped: f64,
    /// Married woman (with a maiden name) whose base row still holds the maiden
    /// surname; her registry rows then carry the married one.
    pub base_maiden_name: f64,
    /// Registry row with no birth date.
    pub date_missing: f64,
    /// Population row with no birth date.
    pub base_date_missing: f64,
    /// Registry birth year written in the other era (BE read as CE, or CE as BE).
    pub date_era: f64,
    /// Population row carrying another household member's ID (two base rows then
    /// share one ID).
    pub base_id_relative: f64,
    /// Child born a twin: a sibling with the same birth date and surname, in the
    /// same household (a hard negative).
    pub twins: f64,
    /// Household placed in the village of the one before it, with one member
    /// given the same first and last name as a member there (a hard negative).
    pub namesakes: f64,
}

impl CorruptionRates {
    /// The rate called `name` (the field's name), for setting it from the command
    /// line: a tuning set can leave a family of corruptions out (`names_swapped=0`)
    /// so the report set measures what tuning never saw.
    pub fn rate_mut(&mut self, name: &str) -> Option<&mut f64> {
        Some(match name {
            "id_missing" => &mut self.id_missing,
            "id_digit" => &mut self.id_digit,
            "id_transposition" => &mut self.id_transposition,
            "id_relative" => &mut self.id_relative,
            "id_formatted" => &mut self.id_formatted,
            "name_typo" => &mut self.name_typo,
            "base_name_typo" => &mut self.base_name_typo,
            "romanized" => &mut self.romanized,
            "maiden_name" => &mut self.maiden_name,
            "date_unknown" => &mut self.date_unknown,
            "date_swapped" => &mut self.date_swapped,
            "date_year_off" => &mut self.date_year_off,
            "moved" => &mut self.moved,
            "missing_from_base" => &mut self.missing_from_base,
            "base_duplicate" => &mut self.base_duplicate,
            "names_swapped" => &mut self.names_swapped,
            "base_names_swapped" => &mut self.base_names_swapped,
            "base_maiden_name" => &mut self.base_maiden_name,
            "date_missing" => &mut self.date_missing,
            "base_date_missing" => &mut self.base_date_missing,
            "date_era" => &mut self.date_era,
            "base_id_relative" => &mut self.base_id_relative,
            "twins" => &mut self.twins,
            "namesakes" => &mut self.namesakes,
            _ => return None,
        })
    }
}

impl Default for CorruptionRates {
    fn default() -> Self {
        CorruptionRates {
            id_missing: 0.05,
            id_digit: 0.02,
            id_transposition: 0.01,
            id_relative: 0.005,
            id_formatted: 0.25,
            name_typo: 0.06,
            base_name_typo: 0.01,
            romanized: 0.05,
            maiden_name: 0.3,
            date_unknown: 0.01,
            date_swapped: 0.01,
            date_year_off: 0.005,
            moved: 0.03,
            missing_from_base: 0.02,
            base_duplicate: 0.005,
            names_swapped: 0.01,
            base_names_swapped: 0.005,
            base_maiden_name: 0.2,
            date_missing: 0.01,
            base_date_missing: 0.003,
            date_era: 0.005,
            base_id_relative: 0.003,
            twins: 0.02,
            namesakes: 0.01,
        }
    }
}

/// Everything [`crate::generate`] needs.
#[derive(Clone, Debug, PartialEq)]
pub struct GenConfig {
    /// People in the world (entities). The base holds about this many rows: fewer by
    /// those missing from it, more by the duplicates.
    pub people: usize,
    /// Same seed, same bytes, whatever the thread count.
    pub seed: u64,
    pub format: OutputFormat,
    /// The day ages and enrolment periods are measured against: a full date, CE
    /// year 1900–9000. The library never reads the clock, so it is fixed here.
    pub reference_date: Date,
    pub enrolment: EnrolmentRates,
    pub corruption: CorruptionRates,
}

impl GenConfig {
    /// Defaults for everything but the size and seed (Parquet, reference date
    /// 2025-01-01).
    pub fn default_for(people: usize, seed: u64) -> GenConfig {
        GenConfig {
            people,
            seed,
            format: OutputFormat::Parquet,
            reference_date: Date::clamped(2025, 1, 1),
            enrolment: EnrolmentRates::default(),
            corruption: CorruptionRates::default(),
        }
    }

    /// Checks every rate is a probability and the registry ID corruptions together
    /// stay within 1 (they are drawn as one choice per row).
    pub fn validate(&self) -> Result<(), GenError> {
        let e = &self.enrolment;
        let c = &self.corruption;
        let rates: [(&'static str, f64); 37] = [
            ("civil_servant", e.civil_servant),
            ("sso_s33", e.sso_s33),
            ("wcf", e.wcf),
            ("sso_s39", e.sso_s39),
            ("sso_s40", e.sso_s40),
            ("nsf", e.nsf),
            ("ucs", e.ucs),
            ("oaa", e.oaa),
            ("disability_allowance", e.disability_allowance),
            ("child_grant", e.child_grant),
            ("ended", e.ended),
            ("ended_s33_unemployed", e.ended_s33_unemployed),
            ("poor_household", e.poor_household),
            ("id_missing", c.id_missing),
            ("id_digit", c.id_digit),
            ("id_transposition", c.id_transposition),
            ("id_relative", c.id_relative),
            ("id_formatted", c.id_formatted),
            ("name_typo", c.name_typo),
            ("base_name_typo", c.base_name_typo),
            ("romanized", c.romanized),
            ("maiden_name", c.maiden_name),
            ("date_swapped", c.date_swapped),
            ("date_year_off", c.date_year_off),
            ("moved", c.moved),
            ("missing_from_base", c.missing_from_base),
            ("base_duplicate", c.base_duplicate),
            ("names_swapped", c.names_swapped),
            ("base_names_swapped", c.base_names_swapped),
            ("base_maiden_name", c.base_maiden_name),
            ("date_missing", c.date_missing),
            ("base_date_missing", c.base_date_missing),
            ("date_era", c.date_era),
            ("base_id_relative", c.base_id_relative),
            ("twins", c.twins),
            ("namesakes", c.namesakes),
            (
                "id_missing + id_digit + id_transposition + id_relative",
                c.id_missing + c.id_digit + c.id_transposition + c.id_relative,
            ),
        ];
        for (name, value) in rates {
            if !(0.0..=1.0).contains(&value) {
                return Err(GenError::InvalidRate { name, value });
            }
        }
        // Elderly people get five times the unknown-date rate.
        if !(0.0..=0.2).contains(&c.date_unknown) {
            return Err(GenError::InvalidRate {
                name: "date_unknown (at most 0.2)",
                value: c.date_unknown,
            });
        }
        let r = self.reference_date;
        if !(1900..=9000).contains(&r.year()) || !r.is_full() {
            return Err(GenError::InvalidReferenceDate { date: r });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate() {
        assert!(GenConfig::default_for(10, 1).validate().is_ok());
    }

    #[test]
    fn bad_rates_are_named() {
        let mut c = GenConfig::default_for(10, 1);
        c.corruption.id_digit = 1.5;
        assert!(matches!(
            c.validate(),
            Err(GenError::InvalidRate {
                name: "id_digit",
                ..
            })
        ));
        let mut c = GenConfig::default_for(10, 1);
        c.enrolment.ucs = f64::NAN;
        assert!(c.validate().is_err());
        let mut c = GenConfig::default_for(10, 1);
        c.reference_date = Date::new(2023, Some(2), None).expect("a valid date");
        assert!(matches!(
            c.validate(),
            Err(GenError::InvalidReferenceDate { .. })
        ));
    }

    #[test]
    fn rates_are_set_by_name() {
        let mut c = CorruptionRates::default();
        *c.rate_mut("names_swapped").expect("a rate") = 0.0;
        assert_eq!(c.names_swapped, 0.0);
        assert!(c.rate_mut("no_such_rate").is_none());
    }
}
