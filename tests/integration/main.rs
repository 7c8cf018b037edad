//! Integration tests: the real `doks-auth` binary against real peers on loopback (a DigitalOcean
//! API stand-in, a TLS Kubernetes API stand-in) and real `kubectl`. One test binary, one module
//! per area, in the style of ripgrep's tests.

#[path = "../support/mod.rs"]
mod support;

mod cache_behaviour;
mod cache_commands;
mod clusters;
mod completions;
mod failures;
mod get_credential;
mod kubeconfig;
mod kubectl;
mod tokens;
