//! `doks-auth doctor` on a fresh machine: no kubeconfig, or no current context. The fix it
//! gives is `doks-auth kubeconfig save <cluster>` (after `doks-auth auth init` when no token is
//! found), not "pass --context".

use crate::support::*;

fn doctor(env: &TestEnv) -> Outcome {
    let out = run(env.doks_auth().arg("doctor"));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(!out.stdout.contains("--context"), "{}", out.stdout);
    out
}

#[test]
fn with_no_kubeconfig_and_no_token_doctor_points_to_auth_init_then_kubeconfig_save() {
    let env = TestEnv::new();
    let out = doctor(&env);
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("no kubeconfig yet")
            && out.stdout.contains(
                "run `doks-auth auth init` to store one, then `doks-auth kubeconfig save <cluster>`"
            ),
        "{}",
        out.stdout
    );
}

#[test]
fn with_a_token_but_no_kubeconfig_doctor_points_to_kubeconfig_save() {
    let env = TestEnv::new();
    let doctl = env.home().join(".config").join("doctl");
    std::fs::create_dir_all(&doctl).unwrap();
    std::fs::write(
        doctl.join("config.yaml"),
        format!("access-token: {DO_TOKEN}\n"),
    )
    .unwrap();
    let out = doctor(&env);
    assert!(
        out.stdout
            .contains("fix: run `doks-auth kubeconfig save <cluster>`")
            && !out.stdout.contains("auth init"),
        "{}",
        out.stdout
    );
    // The environment's token counts as much as doctl's.
    std::fs::remove_file(doctl.join("config.yaml")).unwrap();
    let out = run(env
        .doks_auth()
        .arg("doctor")
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN));
    assert!(!out.stdout.contains("auth init"), "{}", out.stdout);
}

#[test]
fn with_contexts_but_no_current_one_doctor_offers_save_and_use_context() {
    let env = TestEnv::new();
    let kube = env.home().join(".kube");
    std::fs::create_dir_all(&kube).unwrap();
    std::fs::write(
        kube.join("config"),
        "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts:\n- name: a\n  context: {cluster: a, user: a}\n",
    )
    .unwrap();
    let out = run(env
        .doks_auth()
        .arg("doctor")
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stdout.contains("has 1 context but no current one")
            && out.stdout.contains("doks-auth kubeconfig save <cluster>")
            && out.stdout.contains("kubectl config use-context NAME"),
        "{}",
        out.stdout
    );
}
