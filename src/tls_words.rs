//! A TLS failure in words a user can act on: which side failed, which certificate, and what to
//! do. rustls' own texts name the other side "peer" and end in Rust debug strings
//! (`Other(OtherError(UnsupportedCertVersion))`).

use crate::invoked::CMD;
use rustls::{AlertDescription, CertificateError, Error};

/// Whose certificate an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whose {
    /// The server's, checked in the handshake.
    Server,
    /// Our client certificate (the credential), loaded before any connection.
    Ours,
}

/// "what happened" and "what to do".
pub fn describe(err: &Error, whose: Whose) -> (String, String) {
    let cert = match whose {
        Whose::Server => "the server's certificate",
        Whose::Ours => "the client certificate of the credential",
    };
    let resave = format!(
        "the kubeconfig's certificate authority may be out of date: run `{CMD} kubeconfig save <cluster>` again"
    );
    let renew = match whose {
        Whose::Server => "ask the cluster's admin to have the server's certificate reissued",
        Whose::Ours => {
            &format!("drop the cached credential (`{CMD} cache clear`) so a new one is fetched")
        }
    };
    let (what, fix): (String, String) = match err {
        Error::InvalidCertificate(problem) => match problem {
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => (
                format!("{cert} is not valid for the name kubectl checks (the cluster entry's tls-server-name, else its server's host)"),
                "check the cluster entry's server and tls-server-name: kubectl refuses this server too".into(),
            ),
            CertificateError::UnknownIssuer => (
                format!("{cert} is not signed by the cluster entry's certificate authority (or, without one, by a root this system trusts)"),
                resave.clone(),
            ),
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => (
                format!("{cert} has expired"),
                format!("check this machine's clock; if it is right, {renew}"),
            ),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => (
                format!("{cert} is not valid yet"),
                format!("check this machine's clock; if it is right, {renew}"),
            ),
            CertificateError::Revoked => (format!("{cert} is revoked"), renew.into()),
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => (
                format!("{cert} is not meant for this use (its extended key usage)"),
                renew.into(),
            ),
            // webpki finds the issuer by name: a CA of the same name that did not sign it.
            CertificateError::BadSignature => (
                format!("{cert}'s signature does not check out against the cluster entry's certificate authority (another CA of the same name, or a forged certificate)"),
                resave.clone(),
            ),
            CertificateError::UnsupportedSignatureAlgorithmContext { .. } => (
                format!("{cert} has a signature algorithm doks-auth's TLS stack does not accept"),
                renew.into(),
            ),
            other => (
                format!("{cert} cannot be used: {}", problem_words(&format!("{other:?}"))),
                renew.into(),
            ),
        },
        Error::InconsistentKeys(_) => (
            format!("{cert} and its key do not belong together"),
            renew.into(),
        ),
        Error::NoCertificatesPresented => (
            "the server presented no certificate".into(),
            "check the cluster entry's server: it is not a Kubernetes API server".into(),
        ),
        Error::AlertReceived(alert) => match alert {
            AlertDescription::BadCertificate
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateRevoked
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateRequired
            | AlertDescription::AccessDenied => (
                format!("the server refused the TLS handshake ({}): it did not accept the client certificate doks-auth presented, or wanted one", alert_words(*alert)),
                format!("drop the cached credential (`{CMD} cache clear`) so a new one is fetched; if that is refused too, the credential is not for this server"),
            ),
            other => (
                format!("the server ended the TLS handshake ({})", alert_words(*other)),
                "the server and doks-auth share no TLS version or cipher, or something between them interferes: check any proxy".into(),
            ),
        },
        other => (
            format!("the TLS handshake failed: {}", problem_words(&other.to_string())),
            "check the cluster entry's server, and any proxy between".into(),
        ),
    };
    (what, fix)
}

/// webpki's error names, which reach us only as debug text, in words.
fn problem_words(debug: &str) -> String {
    const KNOWN: [(&str, &str); 6] = [
        (
            "UnsupportedCertVersion",
            "it is an X.509 version 1 certificate, which rustls does not accept (Go's TLS does)",
        ),
        ("BadDer", "it is not well-formed DER"),
        (
            "UnsupportedCriticalExtension",
            "it has a critical extension rustls does not know",
        ),
        (
            "CaUsedAsEndEntity",
            "it is a certificate authority's certificate, not a server's or client's",
        ),
        ("UnknownIssuer", "its issuer is not trusted"),
        (
            "MissingOrMalformedExtensions",
            "its extensions are missing or malformed",
        ),
    ];
    KNOWN
        .iter()
        .find(|(name, _)| debug.contains(name))
        .map(|(_, words)| words.to_string())
        .unwrap_or_else(|| crate::error::one_line(debug).chars().take(120).collect())
}

fn alert_words(alert: AlertDescription) -> String {
    // "BadCertificate" → "bad certificate".
    let name = format!("{alert:?}");
    let mut words = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            words.push(' ');
        }
        words.push(c.to_ascii_lowercase());
    }
    format!("{words} alert")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_refused_certificate_is_named_ours_in_words_with_what_to_do() {
        let err = Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(
            std::sync::Arc::new(std::io::Error::other("UnsupportedCertVersion")),
        )));
        let (what, fix) = describe(&err, Whose::Ours);
        assert_eq!(
            what,
            "the client certificate of the credential cannot be used: it is an X.509 version 1 certificate, which rustls does not accept (Go's TLS does)"
        );
        assert!(fix.contains("doks-auth cache clear"), "{fix}");
        assert!(!what.contains("peer") && !what.contains("Other("), "{what}");
    }

    #[test]
    fn the_server_refusing_our_certificate_is_the_server_side() {
        let (what, _) = describe(
            &Error::AlertReceived(AlertDescription::BadCertificate),
            Whose::Server,
        );
        assert_eq!(
            what,
            "the server refused the TLS handshake (bad certificate alert): it did not accept the client certificate doks-auth presented, or wanted one"
        );
        let (what, fix) = describe(
            &Error::InvalidCertificate(CertificateError::UnknownIssuer),
            Whose::Server,
        );
        assert!(
            what.starts_with("the server's certificate is not signed"),
            "{what}"
        );
        assert!(fix.contains("kubeconfig save"), "{fix}");
        let (what, _) = describe(
            &Error::InvalidCertificate(CertificateError::NotValidForName),
            Whose::Server,
        );
        assert!(what.contains("tls-server-name"), "{what}");
    }
}
