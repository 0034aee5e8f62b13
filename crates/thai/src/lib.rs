//! toklon-thai
