//! The schemes and registries the generator writes, and the protections each
//! scheme gives (DOMAIN.md §2), used for the ground-truth coverage table.

use toklon_types::{Protection, ProtectionSet};

/// A scheme code from the contract's catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scheme {
    SsoS33,
    SsoS39,
    SsoS40Opt1,
    SsoS40Opt2,
    SsoS40Opt3,
    Ucs,
    Csmbs,
    Oaa,
    DisabilityAllowance,
    ChildGrant,
    Nsf,
    Wcf,
}

impl Scheme {
    pub const ALL: [Scheme; 12] = [
        Scheme::SsoS33,
        Scheme::SsoS39,
        Scheme::SsoS40Opt1,
        Scheme::SsoS40Opt2,
        Scheme::SsoS40Opt3,
        Scheme::Ucs,
        Scheme::Csmbs,
        Scheme::Oaa,
        Scheme::DisabilityAllowance,
        Scheme::ChildGrant,
        Scheme::Nsf,
        Scheme::Wcf,
    ];

    /// The contract's scheme code.
    pub fn code(self) -> &'static str {
        match self {
            Scheme::SsoS33 => "sso_s33",
            Scheme::SsoS39 => "sso_s39",
            Scheme::SsoS40Opt1 => "sso_s40_opt1",
            Scheme::SsoS40Opt2 => "sso_s40_opt2",
            Scheme::SsoS40Opt3 => "sso_s40_opt3",
            Scheme::Ucs => "ucs",
            Scheme::Csmbs => "csmbs",
            Scheme::Oaa => "oaa",
            Scheme::DisabilityAllowance => "disability_allowance",
            Scheme::ChildGrant => "child_grant",
            Scheme::Nsf => "nsf",
            Scheme::Wcf => "wcf",
        }
    }

    /// The registry file the scheme's enrolments go to.
    pub fn registry(self) -> Registry {
        match self {
            Scheme::SsoS33
            | Scheme::SsoS39
            | Scheme::SsoS40Opt1
            | Scheme::SsoS40Opt2
            | Scheme::SsoS40Opt3 => Registry::Sso,
            Scheme::Ucs => Registry::NhsoUcs,
            Scheme::Csmbs => Registry::Csmbs,
            Scheme::Oaa => Registry::DlaOaa,
            Scheme::DisabilityAllowance => Registry::DepDisability,
            Scheme::ChildGrant => Registry::DcyChildGrant,
            Scheme::Nsf => Registry::Nsf,
            Scheme::Wcf => Registry::Wcf,
        }
    }

    /// Protections the scheme gives its own member (DOMAIN.md §2 table). CSMBS
    /// members are exactly the civil servants and state pensioners, whom
    /// civil-service law also gives the pension protections: every protection but
    /// unemployment (DOMAIN.md §2, "Civil servants and state pensioners").
    pub fn protections(self) -> ProtectionSet {
        use Protection::*;
        let list: &[Protection] = match self {
            Scheme::SsoS33 => &[
                Sickness,
                Maternity,
                Death,
                Invalidity,
                FamilyChild,
                OldAge,
                Unemployment,
            ],
            Scheme::SsoS39 => &[Sickness, Maternity, Death, Invalidity, FamilyChild, OldAge],
            Scheme::SsoS40Opt1 => &[Sickness, Invalidity, Death],
            Scheme::SsoS40Opt2 => &[Sickness, Invalidity, Death, OldAge],
            Scheme::SsoS40Opt3 => &[Sickness, Invalidity, Death, OldAge, FamilyChild],
            Scheme::Ucs => &[Sickness, Maternity],
            Scheme::Csmbs => &[
                Sickness,
                Maternity,
                Death,
                Invalidity,
                FamilyChild,
                OldAge,
                Dependents,
                EmploymentInjury,
            ],
            Scheme::Oaa | Scheme::Nsf => &[OldAge],
            Scheme::DisabilityAllowance => &[Invalidity],
            Scheme::ChildGrant => &[FamilyChild],
            Scheme::Wcf => &[EmploymentInjury],
        };
        list.iter().copied().collect()
    }

    /// What the scheme extends to the member's household (DOMAIN.md §2): CSMBS to
    /// the spouse (sickness, maternity), children under 20 (sickness,
    /// family_child) and own parents (sickness), and the pension to heirs
    /// (`dependents`) to all three; s33 and s39 the survivor grant (`dependents`) to
    /// the spouse, children under 20 and parents and the child allowance to children
    /// aged 0–5; s40 option 3 the child allowance to children aged 0–5.
    pub fn extension(self) -> Option<Extension> {
        use Protection::*;
        let set = |l: &[Protection]| l.iter().copied().collect::<ProtectionSet>();
        match self {
            Scheme::Csmbs => Some(Extension {
                spouse: set(&[Sickness, Maternity, Dependents]),
                parents: set(&[Sickness, Dependents]),
                children: set(&[Sickness, FamilyChild, Dependents]),
                young_children: ProtectionSet::empty(),
            }),
            Scheme::SsoS33 | Scheme::SsoS39 => Some(Extension {
                spouse: set(&[Dependents]),
                parents: set(&[Dependents]),
                children: set(&[Dependents]),
                young_children: set(&[FamilyChild]),
            }),
            Scheme::SsoS40Opt3 => Some(Extension {
                spouse: ProtectionSet::empty(),
                parents: ProtectionSet::empty(),
                children: ProtectionSet::empty(),
                young_children: set(&[FamilyChild]),
            }),
            _ => None,
        }
    }
}

/// Age limits of the household reach, in years at the reference date.
pub(crate) const CHILD_UNDER: u32 = 20;
/// "Aged 0–5": before the 6th birthday (DOMAIN.md §2, age limits).
pub(crate) const YOUNG_CHILD_UNDER: u32 = 6;

/// What a scheme gives the member's relatives, by relation (relations follow
/// from relationship-to-head, DOMAIN.md §2a).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extension {
    pub spouse: ProtectionSet,
    pub parents: ProtectionSet,
    /// Children under [`CHILD_UNDER`].
    pub children: ProtectionSet,
    /// Children under [`YOUNG_CHILD_UNDER`], on top of `children`.
    pub young_children: ProtectionSet,
}

/// One registry file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Registry {
    Sso,
    NhsoUcs,
    Csmbs,
    DlaOaa,
    DepDisability,
    DcyChildGrant,
    Nsf,
    Wcf,
}

impl Registry {
    pub const ALL: [Registry; 8] = [
        Registry::Sso,
        Registry::NhsoUcs,
        Registry::Csmbs,
        Registry::DlaOaa,
        Registry::DepDisability,
        Registry::DcyChildGrant,
        Registry::Nsf,
        Registry::Wcf,
    ];

    /// The file stem (`registries/<name>.parquet`), which is the registry's name.
    pub fn name(self) -> &'static str {
        match self {
            Registry::Sso => "sso",
            Registry::NhsoUcs => "nhso_ucs",
            Registry::Csmbs => "csmbs",
            Registry::DlaOaa => "dla_oaa",
            Registry::DepDisability => "dep_disability",
            Registry::DcyChildGrant => "dcy_child_grant",
            Registry::Nsf => "nsf",
            Registry::Wcf => "wcf",
        }
    }

    /// Prefix of the registry's record ids.
    pub(crate) fn id_prefix(self) -> &'static str {
        match self {
            Registry::Sso => "SSO",
            Registry::NhsoUcs => "UC",
            Registry::Csmbs => "CGD",
            Registry::DlaOaa => "OAA",
            Registry::DepDisability => "DIS",
            Registry::DcyChildGrant => "CSG",
            Registry::Nsf => "NSF",
            Registry::Wcf => "WCF",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scheme_has_a_registry_and_protections() {
        for s in Scheme::ALL {
            assert!(!s.protections().is_empty(), "{}", s.code());
            assert!(Registry::ALL.contains(&s.registry()));
        }
        for (i, r) in Registry::ALL.iter().enumerate() {
            assert_eq!(r.index(), i);
        }
        assert!(
            !Scheme::SsoS39
                .protections()
                .contains(Protection::Unemployment)
        );
    }
}
