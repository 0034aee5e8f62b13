//! The embedded word lists: Thai given and family names, and the DOPA
//! administrative codes. Parsed once per [`crate::generate`] call into borrowed
//! slices of the embedded text (no global state, no per-name allocation).

/// Female given names from the Thai Names Corpus (via PyThaiNLP), CC BY-SA 4.0.
/// See `fixtures/names/README.md`.
const FEMALE: &str = include_str!("../../../fixtures/names/person_names_female_th.txt");
/// Male given names, same source and license.
const MALE: &str = include_str!("../../../fixtures/names/person_names_male_th.txt");
/// Family names, same source and license.
const FAMILY: &str = include_str!("../../../fixtures/names/family_names_th.txt");
/// DOPA subdistrict codes (via the `geothai` package's data, CC BY 4.0).
/// See `fixtures/geo/README.md`.
const SUBDISTRICTS: &str = include_str!("../../../fixtures/geo/subdistricts.csv");

/// Name and code lists the generator draws from.
#[derive(Debug, Clone)]
pub(crate) struct Lexicon {
    pub female: Vec<&'static str>,
    pub male: Vec<&'static str>,
    pub family: Vec<&'static str>,
    /// 6-digit subdistrict codes, sorted, so a province or district is a contiguous range.
    pub subdistricts: Vec<&'static str>,
}

fn lines(text: &'static str) -> Vec<&'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

impl Lexicon {
    pub fn embedded() -> Lexicon {
        let mut subdistricts: Vec<&'static str> = SUBDISTRICTS
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').next())
            .filter(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
            .collect();
        subdistricts.sort_unstable();
        Lexicon {
            female: lines(FEMALE),
            male: lines(MALE),
            family: lines(FAMILY),
            subdistricts,
        }
    }

    /// The index range of the subdistricts whose code starts with `prefix`
    /// (2 digits: a province, 4: a district).
    pub fn range_with_prefix(&self, prefix: &str) -> std::ops::Range<usize> {
        let start = self.subdistricts.partition_point(|c| *c < prefix);
        let len = self.subdistricts[start..]
            .iter()
            .take_while(|c| c.starts_with(prefix))
            .count();
        start..start + len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_complete() {
        let lx = Lexicon::embedded();
        assert_eq!(lx.female.len(), 5098);
        assert_eq!(lx.male.len(), 7124);
        assert_eq!(lx.family.len(), 9836);
        assert_eq!(lx.subdistricts.len(), 7436);
        let provinces: std::collections::BTreeSet<&str> =
            lx.subdistricts.iter().map(|c| &c[..2]).collect();
        assert_eq!(provinces.len(), 77);
    }

    #[test]
    fn prefix_ranges() {
        let lx = Lexicon::embedded();
        let bkk = lx.range_with_prefix("10");
        assert!(!bkk.is_empty());
        assert!(
            lx.subdistricts[bkk.clone()]
                .iter()
                .all(|c| c.starts_with("10"))
        );
        assert!(lx.range_with_prefix("99").is_empty());
    }
}
