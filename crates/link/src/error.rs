use crate::compare::Field;

/// What stops a linkage run: a bad configuration or a model that does not fit it.
/// Bad *data* is never an error here (it becomes a field problem or an unlinked row).
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum LinkError {
    #[error("blocking rule {rule:?} has no key parts")]
    EmptyRule { rule: String },
    #[error("blocking rule {rule:?} has {parts} key parts, at most {max} are allowed")]
    TooManyParts {
        rule: String,
        parts: usize,
        max: usize,
    },
    #[error("blocking rule {rule:?} splits by {parts} key parts, 1 to {max} are allowed")]
    SplitParts {
        rule: String,
        parts: usize,
        max: usize,
    },
    #[error("EM session {rule:?} names no blocking rule")]
    UnknownSession { rule: String },
    #[error("{count} blocking rules configured, at most {max} are allowed")]
    TooManyRules { count: usize, max: usize },
    #[error("no blocking rules are configured")]
    NoRules,
    #[error("{count} comparison fields configured, at most {max} are allowed")]
    TooManyFields { count: usize, max: usize },
    #[error("comparison field {field:?} is configured twice")]
    DuplicateField { field: Field },
    #[error("no comparison fields are configured")]
    NoFields,
    #[error("setting {name} = {value} is outside {expected}")]
    OutOfRange {
        name: &'static str,
        value: f64,
        expected: &'static str,
    },
    #[error("the model compares {model:?} but the configuration compares {config:?}")]
    ModelMismatch {
        model: Vec<Field>,
        config: Vec<Field>,
    },
    #[error("the model gives field {field:?} {found} levels, expected {expected}")]
    ModelLevels {
        field: Field,
        expected: usize,
        found: usize,
    },
}
