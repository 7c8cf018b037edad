//! The command line's answers as the plain requests `settings` checks: the core never sees clap.

use super::{AccountArgs, GetCredentialArgs, SsoArgs, SsoGrant};
use crate::settings::{AccountRequest, CredentialRequest, SsoRequest};
use crate::sso::Grant;

impl AccountArgs {
    pub fn request(&self) -> AccountRequest<'_> {
        AccountRequest {
            access_token: self.access_token.as_ref(),
            context: self.context.as_deref(),
            api_url: &self.api_url,
            timeout: self.timeout,
        }
    }
}

impl SsoArgs {
    pub fn request(&self) -> SsoRequest<'_> {
        SsoRequest {
            issuer_url: self.sso_issuer_url.as_deref(),
            client_id: self.sso_client_id.as_deref(),
            local_server_port: self.sso_local_server_port,
            grant: self.sso_grant.into(),
            browser_command: self.browser_command.as_deref(),
            login_timeout: self.login_timeout,
        }
    }
}

impl GetCredentialArgs {
    pub fn request(&self) -> CredentialRequest<'_> {
        CredentialRequest {
            cluster_id: &self.cluster_id,
            api_version: self.api_version,
            expiry_seconds: self.expiry_seconds,
            refresh_margin: self.refresh_margin,
            cache_dir: self.cache.cache_dir.as_deref(),
            no_cache: self.no_cache,
            sso: self.sso.request(),
            account: self.account.request(),
        }
    }
}

impl From<SsoGrant> for Grant {
    fn from(grant: SsoGrant) -> Grant {
        match grant {
            SsoGrant::AuthCode => Grant::AuthCode,
            SsoGrant::DeviceCode => Grant::DeviceCode,
            SsoGrant::Paste => Grant::Paste,
        }
    }
}
