//! toklon-engine
