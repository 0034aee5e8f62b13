//! toklon-io
