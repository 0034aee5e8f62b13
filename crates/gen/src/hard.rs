//! Hard negatives: different people who look alike. Twins are made where
//! households are composed (`world::compose`); here, same-name neighbours: a
//! household placed in the village of the household before it, one of its members
//! given the first and last name of a member there. Matchers that trust names and
//! place must tell them apart by birth date and ID.

use std::ops::Range;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::config::GenConfig;
use crate::world::{Household, Person, World};

/// With the configured rate, moves `hh` into the subdistrict and village of the
/// chunk's last household and returns that household's members (whose names one
/// of `hh`'s members will share). Called before the members are made, so their
/// IDs carry the new district.
pub(crate) fn neighbour_of(
    rng: &mut ChaCha8Rng,
    cfg: &GenConfig,
    w: &World,
    hh: &mut Household,
) -> Option<Range<usize>> {
    let prev = w.households.last()?;
    if !rng.random_bool(cfg.corruption.namesakes) || prev.members.is_empty() {
        return None;
    }
    hh.subdistrict = prev.subdistrict;
    hh.village = prev.village;
    Some(prev.members.clone())
}

/// Gives one member of `members` the first and last name of a member of `prev` of
/// the same sex (if there is one), and marks both.
pub(crate) fn share_a_name(
    rng: &mut ChaCha8Rng,
    people: &mut [Person],
    prev: Range<usize>,
    members: Range<usize>,
) {
    if members.is_empty() {
        return;
    }
    let i = members.start + rng.random_range(0..members.len());
    let Some(j) = prev.clone().find(|&j| people[j].sex == people[i].sex) else {
        return;
    };
    people[i].first = people[j].first;
    people[i].last = people[j].last;
    people[i].maiden = None;
    people[i].namesake = true;
    people[j].namesake = true;
}
