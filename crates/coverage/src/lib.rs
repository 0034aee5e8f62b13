//! toklon-coverage
