use super::*;

const ID: &str = "bd5f5959-5e1e-4205-a714-a914373942af";

fn cluster(id: &str, name: &str) -> Cluster {
    Cluster {
        id: id.into(),
        name: name.into(),
        region: "nyc1".into(),
        version: String::new(),
        endpoint: None,
        status: None,
        sso: None,
    }
}

#[test]
fn uuids_are_ids_and_the_rest_names() {
    assert!(ClusterId::is_uuid(ID));
    assert!(ClusterId::is_uuid(&ID.to_uppercase()));
    for name in [
        "prod",
        "bd5f5959-5e1e-4205-a714",
        "bd5f5959-5e1e-4205-a714-a914373942ag",
        "bd5f5959-5e1e-4205-a714-a914373942af-x",
        "",
    ] {
        assert!(!ClusterId::is_uuid(name), "{name}");
    }
    assert_eq!(
        ClusterRef::parse(ID).unwrap(),
        ClusterRef::Id(ClusterId::parse(ID).unwrap())
    );
    assert_eq!(
        ClusterRef::parse("my cluster").unwrap(),
        ClusterRef::Name("my cluster".into())
    );
}

#[test]
fn names_resolve_to_exactly_one_cluster() {
    let all = || {
        vec![
            cluster("1", "prod"),
            cluster("2", "staging"),
            cluster("3", "dup"),
            cluster("4", "dup"),
        ]
    };
    assert_eq!(pick_by_name(all(), "prod").unwrap().id, "1");
    let err = pick_by_name(all(), "nope").unwrap_err().to_string();
    assert!(err.contains("dup, prod, staging"), "{err}");
    let err = pick_by_name(Vec::new(), "nope").unwrap_err().to_string();
    assert!(err.contains("(clusters: none)"), "{err}");
    let err = pick_by_name(all(), "dup").unwrap_err().to_string();
    assert!(err.contains("2 clusters") && err.contains("3, 4"), "{err}");
    let many: Vec<Cluster> = (0..25).map(|i| cluster("x", &format!("c{i:02}"))).collect();
    let err = pick_by_name(many, "nope").unwrap_err().to_string();
    assert!(err.contains("and 5 more"), "{err}");
}

#[test]
fn server_and_ca_are_required() {
    let answer = |server: Option<&str>, ca: Option<&str>| ApiCredentials {
        server: server.map(str::to_string),
        certificate_authority_data: ca.map(str::to_string),
        ..Default::default()
    };
    let (server, ca, _) = endpoint(answer(Some("https://s"), Some("Q0E=")), "u").unwrap();
    assert_eq!((server.as_str(), ca.as_str()), ("https://s", "Q0E="));
    for (s, c, field) in [
        (None, Some("Q0E="), "no server"),
        (Some("https://s"), None, "no certificate_authority_data"),
        (
            Some("https://s"),
            Some(" "),
            "no certificate_authority_data",
        ),
    ] {
        let err = endpoint(answer(s, c), "u").unwrap_err();
        assert!(
            matches!(&err, Error::UnexpectedResponse { reason, .. } if reason.contains(field)),
            "{err}"
        );
    }
}
