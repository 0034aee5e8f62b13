//! toklon-link
