//! `doks-auth get-credential`: what kubectl runs. Settings → [`serve`](crate::serve) → stdout,
//! and nothing else on stdout.

use std::time::Instant;

use log::debug;

use crate::cli::GetCredentialArgs;
use crate::serve;
use crate::settings::CredentialSettings;

pub fn run(args: &GetCredentialArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let settings = CredentialSettings::from_request(&args.request())?;
    let line = serve::credential_line(&settings, started)?;
    super::print_stdout(&line)?;
    debug!("done in {:.2} ms", started.elapsed().as_secs_f64() * 1e3);
    Ok(())
}
