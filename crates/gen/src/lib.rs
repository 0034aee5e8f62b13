//! toklon-gen
