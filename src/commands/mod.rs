//! One module per subcommand. Each takes its parsed arguments, validates them into settings,
//! and does its work; `anyhow` context is added here, at the edge.

pub mod get_credential;
