use std::fmt;

/// One of the nine protections (ILO C102 branches as Thailand's master plan counts them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Protection {
    Sickness = 0,
    Maternity = 1,
    Death = 2,
    Invalidity = 3,
    FamilyChild = 4,
    OldAge = 5,
    Unemployment = 6,
    Dependents = 7,
    EmploymentInjury = 8,
}

impl Protection {
    /// All nine, in the contract's column order.
    pub const ALL: [Protection; 9] = [
        Protection::Sickness,
        Protection::Maternity,
        Protection::Death,
        Protection::Invalidity,
        Protection::FamilyChild,
        Protection::OldAge,
        Protection::Unemployment,
        Protection::Dependents,
        Protection::EmploymentInjury,
    ];

    /// The contract's code (`sickness`, …, `employment_injury`).
    pub fn code(self) -> &'static str {
        match self {
            Protection::Sickness => "sickness",
            Protection::Maternity => "maternity",
            Protection::Death => "death",
            Protection::Invalidity => "invalidity",
            Protection::FamilyChild => "family_child",
            Protection::OldAge => "old_age",
            Protection::Unemployment => "unemployment",
            Protection::Dependents => "dependents",
            Protection::EmploymentInjury => "employment_injury",
        }
    }

    /// The Thai name, for headers meant for provincial teams.
    pub fn thai(self) -> &'static str {
        match self {
            Protection::Sickness => "เจ็บป่วย",
            Protection::Maternity => "คลอดบุตร",
            Protection::Death => "ตาย",
            Protection::Invalidity => "ทุพพลภาพ/พิการ",
            Protection::FamilyChild => "สงเคราะห์ครอบครัวหรือบุตร",
            Protection::OldAge => "ชราภาพ",
            Protection::Unemployment => "ว่างงาน",
            Protection::Dependents => "ผู้อยู่ในอุปการะ",
            Protection::EmploymentInjury => "บาดเจ็บจากการทำงาน",
        }
    }

    /// Parses a contract code; `None` for anything else.
    pub fn from_code(code: &str) -> Option<Protection> {
        Protection::ALL.into_iter().find(|p| p.code() == code)
    }
}

impl fmt::Display for Protection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A set of protections, as a 9-bit mask.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProtectionSet(u16);

impl ProtectionSet {
    pub const fn empty() -> Self {
        ProtectionSet(0)
    }

    pub const fn all() -> Self {
        ProtectionSet((1 << 9) - 1)
    }

    #[inline]
    pub fn insert(&mut self, p: Protection) {
        self.0 |= 1 << p as u8;
    }

    #[inline]
    pub fn contains(self, p: Protection) -> bool {
        self.0 & (1 << p as u8) != 0
    }

    #[inline]
    pub fn union(self, other: Self) -> Self {
        ProtectionSet(self.0 | other.0)
    }

    #[inline]
    pub fn intersection(self, other: Self) -> Self {
        ProtectionSet(self.0 & other.0)
    }

    /// The protections in `self` and not in `other`.
    #[inline]
    pub fn difference(self, other: Self) -> Self {
        ProtectionSet(self.0 & !other.0)
    }

    #[inline]
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    #[inline]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The raw mask (bit `p as u8` set for each member).
    pub fn bits(self) -> u16 {
        self.0
    }

    pub fn iter(self) -> impl Iterator<Item = Protection> {
        Protection::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }

    /// Codes of the members, in the contract's order.
    pub fn codes(self) -> Vec<&'static str> {
        self.iter().map(Protection::code).collect()
    }
}

impl FromIterator<Protection> for ProtectionSet {
    fn from_iter<I: IntoIterator<Item = Protection>>(iter: I) -> Self {
        let mut set = ProtectionSet::empty();
        for p in iter {
            set.insert(p);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for p in Protection::ALL {
            assert_eq!(Protection::from_code(p.code()), Some(p));
        }
        assert_eq!(Protection::from_code("pension"), None);
    }

    #[test]
    fn set_operations() {
        let a: ProtectionSet = [Protection::Sickness, Protection::Death]
            .into_iter()
            .collect();
        let b: ProtectionSet = [Protection::Death, Protection::OldAge]
            .into_iter()
            .collect();
        assert_eq!(a.union(b).len(), 3);
        assert_eq!(a.intersection(b).codes(), vec!["death"]);
        assert_eq!(a.difference(b).codes(), vec!["sickness"]);
        assert_eq!(ProtectionSet::all().len(), 9);
        assert!(ProtectionSet::empty().is_empty());
    }
}
