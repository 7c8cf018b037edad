//! The kubectl side of the contract: which `ExecCredential` version to answer in, and the JSON
//! written to stdout (see client-go's `plugin/pkg/client/auth/exec`).

use serde::Deserialize;

use crate::error::{Error, Result};

pub const SUPPORTED_VERSIONS: &str =
    "client.authentication.k8s.io/v1, client.authentication.k8s.io/v1beta1";

/// The `client.authentication.k8s.io` versions kubectl accepts from a plugin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiVersion {
    V1,
    V1beta1,
}

impl ApiVersion {
    pub fn group_version(self) -> &'static str {
        match self {
            ApiVersion::V1 => "client.authentication.k8s.io/v1",
            ApiVersion::V1beta1 => "client.authentication.k8s.io/v1beta1",
        }
    }

    /// Picks the version the caller will accept. client-go always sets `KUBERNETES_EXEC_INFO`
    /// to an ExecCredential in the version its kubeconfig names, so that is the most reliable
    /// answer; the flag serves callers that run us by hand; v1beta1 is what every client-go
    /// since 1.11 understands.
    pub fn negotiate(exec_info: Option<&str>, flag: Option<ApiVersion>) -> Result<ApiVersion> {
        Caller::read(exec_info, flag).map(|caller| caller.version)
    }
}

/// What `KUBERNETES_EXEC_INFO` tells of the caller, read in one pass (it is read on every call,
/// cache hits included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    pub version: ApiVersion,
    /// False only when the caller says `spec.interactive: false`: client-go runs us without a
    /// terminal (Lens, IDE plugins, prompt helpers), so no person is there to finish a login.
    /// Without `KUBERNETES_EXEC_INFO` a person or a script ran us by hand.
    pub interactive: bool,
}

impl Caller {
    pub fn read(exec_info: Option<&str>, flag: Option<ApiVersion>) -> Result<Caller> {
        #[derive(Deserialize)]
        struct ExecInfo {
            #[serde(rename = "apiVersion")]
            api_version: Option<String>,
            #[serde(default)]
            spec: Option<InfoSpec>,
        }
        // Whatever `spec` holds, the version is still read: an odd `spec` only leaves
        // `interactive` unknown. Read by hand rather than as an untagged enum, which would
        // buffer all of `spec` (the cluster's CA too, with provideClusterInfo) on every hit.
        struct InfoSpec {
            interactive: Option<bool>,
        }
        impl<'de> Deserialize<'de> for InfoSpec {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> std::result::Result<Self, D::Error> {
                d.deserialize_any(SpecVisitor)
            }
        }
        struct SpecVisitor;
        impl<'de> serde::de::Visitor<'de> for SpecVisitor {
            type Value = InfoSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("anything")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<InfoSpec, A::Error> {
                let mut interactive = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<str>>()? {
                    if key == "interactive" {
                        interactive = map.next_value::<serde_json::Value>()?.as_bool();
                    } else {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                Ok(InfoSpec { interactive })
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<InfoSpec, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(InfoSpec { interactive: None })
            }
            fn visit_unit<E>(self) -> std::result::Result<InfoSpec, E> {
                Ok(InfoSpec { interactive: None })
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<InfoSpec, E> {
                Ok(InfoSpec { interactive: None })
            }
            fn visit_i64<E>(self, _: i64) -> std::result::Result<InfoSpec, E> {
                Ok(InfoSpec { interactive: None })
            }
            fn visit_u64<E>(self, _: u64) -> std::result::Result<InfoSpec, E> {
                Ok(InfoSpec { interactive: None })
            }
            fn visit_f64<E>(self, _: f64) -> std::result::Result<InfoSpec, E> {
                Ok(InfoSpec { interactive: None })
            }
            fn visit_str<E>(self, _: &str) -> std::result::Result<InfoSpec, E> {
                Ok(InfoSpec { interactive: None })
            }
        }
        let Some(raw) = exec_info.filter(|raw| !raw.trim().is_empty()) else {
            return Ok(Caller {
                version: flag.unwrap_or(ApiVersion::V1beta1),
                interactive: true,
            });
        };
        let info: ExecInfo = serde_json::from_str(raw)
            .map_err(|err| unsupported(format!("is not a valid ExecCredential: {err}")))?;
        // Only `interactive: false` says nobody is there.
        let interactive = info.spec.and_then(|s| s.interactive) != Some(false);
        let version = match info.api_version.as_deref() {
            Some("client.authentication.k8s.io/v1") => ApiVersion::V1,
            Some("client.authentication.k8s.io/v1beta1") => ApiVersion::V1beta1,
            Some(other) => {
                return Err(unsupported(format!(
                    "asks for apiVersion {:?}, which doks-auth does not support; set the kubeconfig's exec apiVersion to one that is",
                    crate::error::one_line(other)
                )));
            }
            None => return Err(unsupported("has no apiVersion".into())),
        };
        Ok(Caller {
            version,
            interactive,
        })
    }
}

fn unsupported(what: String) -> Error {
    Error::ExecInfo(format!("{what} (supported: {SUPPORTED_VERSIONS})"))
}

mod render;

pub use render::render;

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::credential::Credential;
    use crate::secret::Secret;

    #[test]
    fn exec_info_wins_over_the_flag() {
        let info = r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}"#;
        assert_eq!(
            ApiVersion::negotiate(Some(info), Some(ApiVersion::V1beta1)).unwrap(),
            ApiVersion::V1
        );
        assert_eq!(
            ApiVersion::negotiate(None, Some(ApiVersion::V1)).unwrap(),
            ApiVersion::V1
        );
        assert_eq!(
            ApiVersion::negotiate(None, None).unwrap(),
            ApiVersion::V1beta1
        );
        assert_eq!(
            ApiVersion::negotiate(Some(""), None).unwrap(),
            ApiVersion::V1beta1
        );
    }

    #[test]
    fn only_interactive_false_marks_a_caller_without_a_terminal() {
        let info = |spec: &str| {
            format!(
                r#"{{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1"{spec}}}"#
            )
        };
        let interactive = |raw: Option<&str>| Caller::read(raw, None).unwrap().interactive;
        assert!(!interactive(Some(&info(
            r#","spec":{"interactive":false}"#
        ))));
        assert!(interactive(Some(&info(r#","spec":{"interactive":true}"#))));
        assert!(interactive(None), "run by hand");
        for odd in [
            "",
            r#","spec":{}"#,
            r#","spec":{"interactive":"no"}"#,
            r#","spec":"odd""#,
            r#","spec":[1,{"interactive":false}]"#,
            r#","spec":null"#,
            r#","spec":7.5"#,
            r#","spec":{"interactive":null,"x":{"interactive":false}}"#,
        ] {
            assert!(interactive(Some(&info(odd))), "{odd}");
        }
        let cluster =
            r#","spec":{"cluster":{"server":"https://k","config":{"a":[1]}},"interactive":false}"#;
        let caller = Caller::read(Some(&info(cluster)), None).unwrap();
        assert_eq!(
            (caller.version, caller.interactive),
            (ApiVersion::V1, false)
        );
    }

    #[test]
    fn bad_exec_info_names_the_variable_and_the_versions() {
        for bad in [
            "{",
            "[]",
            r#"{"apiVersion":"client.authentication.k8s.io/v1alpha1"}"#,
            "{}",
        ] {
            let msg = ApiVersion::negotiate(Some(bad), None)
                .unwrap_err()
                .to_string();
            assert!(msg.starts_with("KUBERNETES_EXEC_INFO"), "{msg}");
            assert!(
                msg.contains("client.authentication.k8s.io/v1beta1"),
                "{msg}"
            );
        }
    }

    #[test]
    fn renders_compact_json_with_only_present_fields() {
        let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
        let cred = Credential {
            token: Some(Secret::new("tok")),
            client_certificate: None,
            client_key: None,
            expires_at: now,
            fetched_at: now,
            sso: None,
        };
        assert_eq!(
            render(ApiVersion::V1, &cred, now),
            "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\",\"spec\":{\"interactive\":false},\"status\":{\"expirationTimestamp\":\"2026-11-23T12:00:00Z\",\"token\":\"tok\"}}\n"
        );
    }
}
