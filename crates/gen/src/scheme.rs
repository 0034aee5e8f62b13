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

    /// Protections the scheme gives its own member (DOMAIN.md §2 table).
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
            Scheme::Ucs | Scheme::Csmbs => &[Sickness, Maternity],
            Scheme::Oaa | Scheme::Nsf => &[OldAge],
            Scheme::DisabilityAllowance => &[Invalidity],
            Scheme::ChildGrant => &[FamilyChild],
            Scheme::Wcf => &[EmploymentInjury],
        };
        list.iter().copied().collect()
    }

    /// Protections the scheme extends to household members: CSMBS to the member's
    /// spouse, children under 20 and parents (care, plus `dependents`); s33, s39 and
    /// s40 option 3 to the member's children aged 0–6 (the child allowance).
    pub fn extension(self) -> Option<Extension> {
        use Protection::*;
        match self {
            Scheme::Csmbs => Some(Extension {
                spouse: true,
                parents: true,
                children_under: 20,
                gives: [Sickness, Maternity, Dependents].into_iter().collect(),
            }),
            Scheme::SsoS33 | Scheme::SsoS39 | Scheme::SsoS40Opt3 => Some(Extension {
                spouse: false,
                parents: false,
                children_under: 7,
                gives: [FamilyChild].into_iter().collect(),
            }),
            _ => None,
        }
    }
}

/// Who a scheme reaches besides its member, and with what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extension {
    pub spouse: bool,
    pub parents: bool,
    /// Children younger than this many years.
    pub children_under: u32,
    pub gives: ProtectionSet,
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
